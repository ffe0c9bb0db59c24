package dev.crucible.app;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;

/**
 * The Pekko settings that make the evaluation actor system a cluster node: remoting on
 * {@code remoting_port}, and either the listed seed nodes or Cluster Bootstrap through Pekko
 * Management's Kubernetes API discovery (pods labelled {@value #POD_LABEL}={@value ClusterSettings#SYSTEM_NAME}).
 * Explicit {@code -D} settings (the manifests pass the pod IP as canonical hostname) still win.
 */
public final class ClusterConfig {

    /** The pod label Kubernetes discovery selects peers by; the manifests put it on every cluster pod. */
    public static final String POD_LABEL = "crucible.dev/cluster";

    private ClusterConfig() {}

    /** The full config for the evaluation actor system under {@code settings}. */
    public static Config forEvaluation(ClusterSettings settings) {
        Config base = ConfigFactory.load();
        if (!settings.enabled()) {
            return base;
        }
        return ConfigFactory.defaultOverrides().withFallback(overlay(settings)).withFallback(base).resolve();
    }

    /** Only the cluster settings, without the rest of the application config. */
    public static Config overlay(ClusterSettings settings) {
        Config c = ConfigFactory.empty()
                .withValue("pekko.actor.provider", ConfigValueFactory.fromAnyRef("cluster"))
                .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(settings.remotingPort()))
                .withValue("pekko.cluster.downing-provider-class",
                        ConfigValueFactory.fromAnyRef("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"))
                .withValue("pekko.management.http.port", ConfigValueFactory.fromAnyRef(settings.managementPort()));
        if (settings.host().isPresent()) {
            c = c.withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(settings.host().get()))
                    .withValue("pekko.management.http.hostname", ConfigValueFactory.fromAnyRef(settings.host().get()));
        }
        if (settings.discovery() == Discovery.CONFIG) {
            return c.withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(settings.seedNodes()));
        }
        return c
                .withValue("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method",
                        ConfigValueFactory.fromAnyRef("kubernetes-api"))
                .withValue("pekko.management.cluster.bootstrap.contact-point-discovery.service-name",
                        ConfigValueFactory.fromAnyRef(ClusterSettings.SYSTEM_NAME))
                .withValue("pekko.discovery.kubernetes-api.pod-label-selector",
                        ConfigValueFactory.fromAnyRef(POD_LABEL + "=%s"));
    }
}
