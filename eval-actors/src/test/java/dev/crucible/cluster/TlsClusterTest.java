package dev.crucible.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.crucible.eval.EvaluationSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A two-node loopback cluster over TLS with mutual authentication: a node holding the cluster's key
 * joins; a node with a key of its own is kept out, although it trusts the cluster's certificate (so
 * only the accepting side's check of the client certificate can refuse it). Key and trust stores are
 * made for the test with the JDK's keytool.
 */
class TlsClusterTest {

    static final String PASSWORD = "test-only-password";

    @TempDir
    Path dir;

    private final List<ActorSystem<Void>> systems = new ArrayList<>();

    /** A node's key store, the trust store it uses, and the file holding their password. */
    record Credentials(Path keyStore, Path trustStore, Path passwordFile) {}

    @AfterEach
    void stop() throws Exception {
        // All at once: the intruder keeps retrying its handshake with the others while they go.
        systems.forEach(ActorSystem::terminate);
        for (ActorSystem<Void> system : systems) {
            system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aNodeWithoutTheClusterKeyCannotJoinWhileOneWithItCan() throws Exception {
        Path password = Files.writeString(dir.resolve("password"), PASSWORD + "\n");
        Path clusterCert = keyPair("cluster");
        keyPair("intruder");
        Path trusted = trustStore("trusts-cluster", clusterCert);
        Credentials cluster = new Credentials(dir.resolve("cluster.p12"), trusted, password);
        Credentials intruder = new Credentials(dir.resolve("intruder.p12"), trusted, password);
        int seedPort = ThreeNodeClusterTest.freePort();

        ActorSystem<Void> seed = node(seedPort, seedPort, cluster);
        eventually(() -> upMembers(seed) == 1);
        // The intruder tries first and keeps trying; the legitimate node, started after it, still gets in alone.
        ActorSystem<Void> outsider = node(seedPort, ThreeNodeClusterTest.freePort(), intruder);
        long start = System.nanoTime();
        ActorSystem<Void> second = node(seedPort, ThreeNodeClusterTest.freePort(), cluster);
        eventually(() -> upMembers(seed) == 2 && upMembers(second) == 2);
        System.out.printf("TLS cluster: the node with the cluster key was Up %.2f s after it started%n",
                (System.nanoTime() - start) / 1e9);

        assertThat(members(seed)).extracting(m -> m.address().toString())
                .containsExactlyInAnyOrder(address(seed), address(second))
                .doesNotContain(address(outsider));
        assertThat(Cluster.get(outsider).selfMember().status()).isNotEqualTo(MemberStatus.up());
        assertThat(members(outsider)).extracting(m -> m.address().toString()).doesNotContain(address(seed));
    }

    private ActorSystem<Void> node(int seedPort, int port, Credentials credentials) {
        ClusterMembership membership = ClusterMembership.fromConfig(ConfigFactory.parseString("""
                seed-nodes = ["127.0.0.1:%d"]
                host = "127.0.0.1"
                port = %d
                tls.key-store = "%s"
                tls.trust-store = "%s"
                tls.password-file = "%s"
                """.formatted(seedPort, port, credentials.keyStore(), credentials.trustStore(), credentials.passwordFile()))
                .withFallback(ConfigFactory.load().getConfig("crucible.cluster")));
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), EvaluationSession.SYSTEM_NAME,
                ClusterNode.config(membership, ThreeNodeClusterTest.FAST));
        systems.add(system);
        return system;
    }

    private static List<Member> members(ActorSystem<Void> system) {
        return StreamSupport.stream(Cluster.get(system).state().getMembers().spliterator(), false).toList();
    }

    private static long upMembers(ActorSystem<Void> system) {
        return members(system).stream().filter(m -> m.status() == MemberStatus.up()).count();
    }

    private static String address(ActorSystem<Void> system) {
        return Cluster.get(system).selfMember().address().toString();
    }

    /** Makes {@code NAME.p12} holding a fresh EC key pair and self-signed certificate; returns the exported certificate. */
    private Path keyPair(String name) throws Exception {
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-validity", "2", "-storetype", "PKCS12", "-keystore", dir.resolve(name + ".p12").toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD);
        Path cert = dir.resolve(name + ".crt");
        keytool("-exportcert", "-alias", name, "-keystore", dir.resolve(name + ".p12").toString(), "-storepass", PASSWORD,
                "-file", cert.toString());
        return cert;
    }

    private Path trustStore(String name, Path cert) throws Exception {
        Path store = dir.resolve(name + ".p12");
        keytool("-importcert", "-noprompt", "-alias", "cluster", "-file", cert.toString(), "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", PASSWORD);
        return store;
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("keytool %s: %s", args[0], output).isZero();
    }

    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 60 s");
            }
            Thread.sleep(50);
        }
    }
}
