package dev.crucible.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.crucible.app.AppConfig;
import dev.crucible.app.AppConfigParser;
import dev.crucible.app.ClusterSettings;
import dev.crucible.app.Discovery;
import dev.crucible.recipe.Recipe;
import dev.crucible.recipe.RecipeParser;
import dev.crucible.serve.AdminTokens;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The kustomize base in {@code k8s/}, parsed into fabric8's typed Kubernetes model and checked against
 * the application's own configuration: the app config in the ConfigMap parses with {@link AppConfigParser},
 * ports and labels come from {@link ClusterSettings} and its cluster membership, mounts hold the files
 * the container arguments name.
 */
class KubernetesManifestsTest {

    static final Path K8S = Path.of("..", "k8s");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    private static final Path CONFIG_MOUNT = Path.of("/etc/crucible");

    /** kind -> the fabric8 class it must parse into (RBAC has no typed model on the test classpath). */
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "Deployment", Deployment.class, "Service", Service.class, "ConfigMap", ConfigMap.class,
            "PersistentVolumeClaim", PersistentVolumeClaim.class, "Job", Job.class, "ServiceMonitor", ServiceMonitor.class,
            "ServiceAccount", ServiceAccount.class, "Role", GenericKubernetesResource.class,
            "RoleBinding", GenericKubernetesResource.class);

    static <T> T read(String file, Class<T> type) throws IOException {
        return YAML.readValue(K8S.resolve(file).toFile(), type);
    }

    private static JsonNode kustomization() throws IOException {
        return YAML.readTree(K8S.resolve("kustomization.yaml").toFile());
    }

    private static List<String> resources() throws IOException {
        return YAML.convertValue(kustomization().get("resources"), YAML.getTypeFactory()
                .constructCollectionType(List.class, String.class));
    }

    private static AppConfig appConfig() throws IOException {
        ConfigMap cm = read("configmap.yaml", ConfigMap.class);
        return AppConfigParser.parse(cm.getData().get("app.yml"), CONFIG_MOUNT.resolve("app.yml"));
    }

    private static Container only(PodSpec pod) {
        assertThat(pod.getContainers()).hasSize(1);
        return pod.getContainers().getFirst();
    }

    private static int port(Container c, String name) {
        return c.getPorts().stream().filter(p -> name.equals(p.getName())).mapToInt(ContainerPort::getContainerPort)
                .findFirst().orElseThrow(() -> new AssertionError(c.getName() + " has no port named " + name));
    }

    @Test
    void kustomizationListsExactlyTheManifestsPresent() throws IOException {
        Set<String> present;
        try (Stream<Path> files = Files.list(K8S)) {
            present = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .filter(n -> !n.equals("kustomization.yaml")).collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> generated;
        try (Stream<Path> files = Files.list(K8S.resolve("grafana"))) {
            generated = files.map(p -> "grafana/" + p.getFileName()).collect(Collectors.toCollection(TreeSet::new));
        }

        assertThat(new TreeSet<>(resources())).isEqualTo(present);
        assertThat(resources()).doesNotHaveDuplicates();
        JsonNode generator = kustomization().get("configMapGenerator").get(0);
        assertThat(YAML.convertValue(generator.get("files"), List.class)).containsExactlyInAnyOrderElementsOf(generated);
    }

    @Test
    void everyManifestParsesIntoItsTypedKind() throws IOException {
        for (String file : resources()) {
            String kind = YAML.readTree(K8S.resolve(file).toFile()).path("kind").asText();
            assertThat(KINDS).as("kind %s of %s", kind, file).containsKey(kind);
            HasMetadata parsed = read(file, KINDS.get(kind));
            assertThat(parsed.getMetadata().getName()).as(file).isNotBlank();
            assertThat(parsed.getKind()).isEqualTo(kind);
        }
    }

    @Test
    void configMapHoldsAValidAppConfigAndRecipes() throws IOException {
        ConfigMap cm = read("configmap.yaml", ConfigMap.class);
        AppConfig config = appConfig();

        assertThat(cm.getData()).containsKeys("app.yml", "recipe.yml", "merge.yml");
        assertThat(config.recipe()).isEqualTo(CONFIG_MOUNT.resolve("recipe.yml"));
        assertThat(cm.getData().get("recipe.yml")).contains("base_model: " + AppConfig.BASE_PLACEHOLDER);
        Recipe remerge = RecipeParser.parse(cm.getData().get("recipe.yml").replace(AppConfig.BASE_PLACEHOLDER, "/models/bases/new"),
                CONFIG_MOUNT);
        assertThat(remerge.taskVectorBase()).isEqualTo(config.initialBase().toString());
        assertThat(RecipeParser.parse(cm.getData().get("merge.yml"), CONFIG_MOUNT).mergeMethod()).isEqualTo("ties");
        assertThat(config.serve().adminTokenFile()).as("the token comes from the Secret via env").isEmpty();
        assertThat(config.cluster().enabled()).isTrue();
        assertThat(config.cluster().discovery()).isEqualTo(Discovery.KUBERNETES);
    }

    @Test
    void servingDeploymentRunsTheAppConfigOnItsPortWithProbesVolumesAndToken() throws IOException {
        AppConfig config = appConfig();
        Deployment deployment = read("deployment.yaml", Deployment.class);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Container c = only(pod);

        assertThat(c.getArgs()).containsExactly("run", CONFIG_MOUNT.resolve("app.yml").toString());
        assertThat(port(c, "http")).isEqualTo(config.serve().port()).isEqualTo(dev.crucible.app.ServeSettings.DEFAULT_PORT);
        assertThat(config.serve().host()).as("reachable from the Service").isEqualTo("0.0.0.0");
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo(ServerProbePathsTest.LIVENESS);
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo(ServerProbePathsTest.READINESS);
        assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
        assertThat(c.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
        assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(c.getResources().getLimits()).containsKeys("cpu", "memory");
        assertThat(c.getEnv()).extracting(EnvVar::getName).contains("JAVA_OPTS", AdminTokens.ENV);
        EnvVar token = c.getEnv().stream().filter(e -> e.getName().equals(AdminTokens.ENV)).findFirst().orElseThrow();
        assertThat(token.getValueFrom().getSecretKeyRef().getName()).isEqualTo("crucible-admin");
        assertThat(deployment.getSpec().getReplicas()).as("one process owns state_dir").isEqualTo(1);

        Map<String, String> mounts = c.getVolumeMounts().stream()
                .collect(Collectors.toMap(VolumeMount::getName, VolumeMount::getMountPath));
        assertThat(mounts).containsEntry("config", CONFIG_MOUNT.toString());
        Path models = Path.of(mounts.get("models"));
        assertThat(List.of(config.initialBase(), config.basesDir(), config.stateDir())).allSatisfy(p -> assertThat(p).startsWithRaw(models));
        assertThat(config.tasks()).allSatisfy(t -> assertThat(t.path()).startsWithRaw(models));
        assertVolumes(pod);
    }

    /** The models volume is the PVC of pvc.yaml and the config volume the ConfigMap of configmap.yaml. */
    private static void assertVolumes(PodSpec pod) throws IOException {
        Map<String, Volume> volumes = pod.getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
        assertThat(volumes.get("models").getPersistentVolumeClaim().getClaimName())
                .isEqualTo(read("pvc.yaml", PersistentVolumeClaim.class).getMetadata().getName());
        assertThat(volumes.get("config").getConfigMap().getName())
                .isEqualTo(read("configmap.yaml", ConfigMap.class).getMetadata().getName());
        assertThat(pod.getServiceAccountName()).isEqualTo(read("serviceaccount.yaml", ServiceAccount.class).getMetadata().getName());
    }

    @Test
    void serviceAndServiceMonitorReachTheServingPodsMetrics() throws IOException {
        Deployment deployment = read("deployment.yaml", Deployment.class);
        Service service = read("service.yaml", Service.class);
        ServiceMonitor monitor = read("servicemonitor.yaml", ServiceMonitor.class);
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();

        assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("http");
            assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
            assertThat(p.getPort()).isEqualTo(appConfig().serve().port());
        });
        assertThat(service.getMetadata().getLabels()).containsAllEntriesOf(monitor.getSpec().getSelector().getMatchLabels());
        assertThat(monitor.getSpec().getEndpoints()).singleElement().satisfies(e -> {
            assertThat(e.getPort()).isEqualTo("http");
            assertThat(e.getPath()).isEqualTo(ServerProbePathsTest.METRICS);
        });
    }

    @Test
    void clusterPodsAreFoundByTheLabelAndPortsTheClusterConfigUses() throws IOException {
        ClusterSettings settings = appConfig().cluster();
        dev.crucible.cluster.ClusterMembership membership = settings.membership();
        Config overlay = membership.pekkoConfig();
        String[] podLabel = membership.podLabelSelector().formatted(ClusterSettings.SYSTEM_NAME).split("=", 2);
        Config management = ConfigFactory.load();
        for (String file : List.of("deployment.yaml", "evaluator-deployment.yaml")) {
            Deployment d = read(file, Deployment.class);
            Container c = only(d.getSpec().getTemplate().getSpec());
            assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
                    .as(file).containsEntry(podLabel[0], podLabel[1]);
            assertThat(port(c, "remoting")).isEqualTo(settings.remotingPort()).isEqualTo(ClusterSettings.DEFAULT_REMOTING_PORT);
            assertThat(port(c, "management")).isEqualTo(settings.managementPort()).isEqualTo(ClusterSettings.DEFAULT_MANAGEMENT_PORT);
            assertThat(c.getEnv()).extracting(EnvVar::getName).contains("POD_IP");
            String javaOpts = c.getEnv().stream().filter(e -> e.getName().equals("JAVA_OPTS")).findFirst().orElseThrow().getValue();
            assertThat(javaOpts).contains("-Dpekko.remote.artery.canonical.hostname=$(POD_IP)");
        }
        assertThat(overlay.getString("pekko.discovery.kubernetes-api.pod-label-selector"))
                .isEqualTo("crucible.dev/cluster=%s");
        assertThat(overlay.getString("pekko.management.cluster.bootstrap.contact-point-discovery.service-name"))
                .isEqualTo(ClusterSettings.SYSTEM_NAME);
        assertThat(overlay.getInt("pekko.management.http.port")).isEqualTo(settings.managementPort());

        Container evaluator = only(read("evaluator-deployment.yaml", Deployment.class).getSpec().getTemplate().getSpec());
        assertThat(evaluator.getArgs()).containsExactly("worker", CONFIG_MOUNT.resolve("app.yml").toString());
        assertThat(evaluator.getReadinessProbe().getHttpGet().getPath())
                .isEqualTo("/" + management.getString("pekko.management.health-checks.readiness-path"));
        assertThat(evaluator.getLivenessProbe().getHttpGet().getPath())
                .isEqualTo("/" + management.getString("pekko.management.health-checks.liveness-path"));
        assertThat(evaluator.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("management");
    }

    @Test
    void clusterPodsMountTheTlsSecretWhereTheAppConfigLooksForTheStores() throws IOException {
        Config transport = appConfig().cluster().membership().pekkoConfig();
        String engine = "pekko.remote.artery.ssl.config-ssl-engine.";
        assertThat(transport.getString("pekko.remote.artery.transport")).isEqualTo("tls-tcp");
        assertThat(transport.getBoolean(engine + "require-mutual-authentication")).isTrue();
        JsonNode cluster = YAML.readTree(read("configmap.yaml", ConfigMap.class).getData().get("app.yml")).get("cluster");
        List<Path> files = List.of(Path.of(transport.getString(engine + "key-store")),
                Path.of(transport.getString(engine + "trust-store")), Path.of(cluster.path("tls").path("password_file").asText()));
        for (String file : List.of("deployment.yaml", "evaluator-deployment.yaml")) {
            PodSpec pod = read(file, Deployment.class).getSpec().getTemplate().getSpec();
            Volume tls = pod.getVolumes().stream().filter(v -> v.getName().equals("cluster-tls")).findFirst().orElseThrow();
            assertThat(tls.getSecret().getSecretName()).as(file).isEqualTo("crucible-cluster-tls");
            assertThat(tls.getSecret().getDefaultMode()).as(file + ": owner-only").isEqualTo(0400);
            VolumeMount mount = only(pod).getVolumeMounts().stream().filter(m -> m.getName().equals("cluster-tls"))
                    .findFirst().orElseThrow();
            assertThat(mount.getReadOnly()).isTrue();
            assertThat(files).as(file).allSatisfy(f -> assertThat(f.getParent()).isEqualTo(Path.of(mount.getMountPath())));
            assertThat(files).extracting(f -> f.getFileName().toString())
                    .containsExactly("keystore.p12", "truststore.p12", "password");
        }
    }

    @Test
    void rbacLetsTheServiceAccountListPodsForDiscovery() throws IOException {
        GenericKubernetesResource role = read("role.yaml", GenericKubernetesResource.class);
        GenericKubernetesResource binding = read("rolebinding.yaml", GenericKubernetesResource.class);
        JsonNode rules = YAML.valueToTree(role.getAdditionalProperties().get("rules"));
        JsonNode subject = YAML.valueToTree(binding.getAdditionalProperties().get("subjects")).get(0);
        JsonNode roleRef = YAML.valueToTree(binding.getAdditionalProperties().get("roleRef"));

        assertThat(rules).anySatisfy(rule -> {
            assertThat(rule.path("resources").toString()).contains("\"pods\"");
            assertThat(rule.path("verbs").toString()).contains("\"list\"", "\"get\"", "\"watch\"");
        });
        assertThat(subject.path("kind").asText()).isEqualTo("ServiceAccount");
        assertThat(subject.path("name").asText()).isEqualTo(read("serviceaccount.yaml", ServiceAccount.class).getMetadata().getName());
        assertThat(roleRef.path("kind").asText()).isEqualTo("Role");
        assertThat(roleRef.path("name").asText()).isEqualTo(role.getMetadata().getName());
    }

    @Test
    void mergeJobRunsARecipeFromTheConfigMapOntoTheModelsVolume() throws IOException {
        Job job = read("job-merge.yaml", Job.class);
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        Container c = only(pod);
        ConfigMap cm = read("configmap.yaml", ConfigMap.class);

        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(c.getArgs().getFirst()).isEqualTo("merge");
        Path recipe = Path.of(c.getArgs().get(1));
        assertThat(recipe.getParent()).isEqualTo(CONFIG_MOUNT);
        assertThat(cm.getData()).containsKey(recipe.getFileName().toString());
        Map<String, String> mounts = c.getVolumeMounts().stream()
                .collect(Collectors.toMap(VolumeMount::getName, VolumeMount::getMountPath));
        assertThat(Path.of(c.getArgs().get(2))).startsWithRaw(Path.of(mounts.get("models")));
        assertVolumes(pod);
    }
}
