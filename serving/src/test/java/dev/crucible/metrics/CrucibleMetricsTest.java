package dev.crucible.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CrucibleMetricsTest {

    @Test
    void metersExportUnderPrometheusNames() {
        try (CrucibleMetrics metrics = new CrucibleMetrics()) {
            metrics.recordRequest("/v1/completions", "POST", 200, Duration.ofMillis(30));
            metrics.recordGeneration(10, 4, Duration.ofMillis(100));
            metrics.recordSwap(true, Duration.ofSeconds(2));
            metrics.recordServedModel("v1", "expert-add", "/m/a");
            metrics.recordServedModel("v2", "expert-rev", "/m/r");
            String text = metrics.scrape();
            assertThat(text)
                    .contains("crucible_http_server_requests_seconds_bucket{method=\"POST\",route=\"/v1/completions\",status=\"200\",le=\"0.05\"} 1")
                    .contains("crucible_generation_tokens_total{kind=\"prompt\"} 10.0")
                    .contains("crucible_generation_tokens_total{kind=\"completion\"} 4.0")
                    .contains("crucible_generation_speed_tokens_per_second_sum 40.0")
                    .contains("crucible_model_swaps_total{outcome=\"success\"} 1.0")
                    .contains("crucible_model_info{name=\"expert-rev\",path=\"/m/r\",version=\"v2\"} 1")
                    .doesNotContain("version=\"v1\"")
                    .contains("jvm_memory_used_bytes")
                    .contains("process_uptime_seconds");
        }
    }
}
