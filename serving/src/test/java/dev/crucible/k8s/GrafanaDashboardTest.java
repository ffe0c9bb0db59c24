package dev.crucible.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.app.PipelineMetrics;
import dev.crucible.evolve.report.ProgressReporter;
import dev.crucible.metrics.CrucibleMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Grafana dashboard only plots series the code exports, and plots every pipeline series. */
class GrafanaDashboardTest {

    private static final Pattern METRIC = Pattern.compile("crucible_[a-z_]+");

    private static JsonNode dashboard() throws IOException {
        return new ObjectMapper().readTree(KubernetesManifestsTest.K8S.resolve("grafana/crucible-dashboard.json").toFile());
    }

    private static Set<String> plotted() throws IOException {
        Set<String> names = new TreeSet<>();
        for (JsonNode panel : dashboard().path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                Matcher m = METRIC.matcher(target.path("expr").asText());
                while (m.find()) {
                    names.add(m.group());
                }
            }
        }
        return names;
    }

    /** Every meter the server and the pipeline register, each touched once so that it is exported. */
    private static String scrape() {
        try (CrucibleMetrics metrics = new CrucibleMetrics()) {
            PipelineMetrics pipeline = new PipelineMetrics(metrics.registry());
            metrics.recordRequest("/v1/completions", "POST", 200, Duration.ofMillis(12));
            metrics.recordSwap(true, Duration.ofMillis(300));
            metrics.recordServedModel("v1", "merged", "/models/state/candidates/c0001-base");
            pipeline.merged(2, 1024);
            pipeline.score("c0001-base", "add", "accuracy", 0.5);
            pipeline.decided("promoted");
            // An evolutionary search in the same process reports a finished generation.
            new ProgressReporter(new PrintStream(OutputStream.nullOutputStream()))
                    .generation("parameter", 3, 24, 96, 0.61, 0.5, 0);
            return metrics.scrape();
        }
    }

    @Test
    void everyPlottedSeriesIsExportedByTheCode() throws IOException {
        String scrape = scrape();

        assertThat(plotted()).isNotEmpty().allSatisfy(name ->
                assertThat(scrape).as("series %s", name).containsPattern("(?m)^" + name + "[{ ]"));
    }

    @Test
    void thePipelineSeriesAreAllPlotted() throws IOException {
        assertThat(plotted()).containsAll(PipelineMetrics.EXPORTED_NAMES);
        assertThat(scrape()).containsPattern("(?m)^crucible_evolution_best_fitness 0.61");
    }

    @Test
    void panelsUseTheDatasourceVariableAndDoNotOverlap() throws IOException {
        JsonNode d = dashboard();
        Set<String> cells = new TreeSet<>();
        for (JsonNode panel : d.path("panels")) {
            assertThat(panel.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
            JsonNode g = panel.path("gridPos");
            for (int x = g.path("x").asInt(); x < g.path("x").asInt() + g.path("w").asInt(); x++) {
                for (int y = g.path("y").asInt(); y < g.path("y").asInt() + g.path("h").asInt(); y++) {
                    assertThat(cells.add(x + "," + y)).as("panel %s overlaps another", panel.path("title").asText()).isTrue();
                }
            }
        }
        assertThat(d.path("templating").path("list").get(0).path("name").asText()).isEqualTo("datasource");
    }
}
