package dev.crucible.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Loading, using and closing models returns native memory: resident size stays flat over many rounds. */
class NativeMemoryTest {

    private static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    // resident memory outside the Java heap, so heap resizing does not count as growth
    private static long nativeKb() throws IOException {
        return rssKb() - Runtime.getRuntime().totalMemory() / 1024;
    }

    private static void useOnce(Path dir) {
        try (LanguageModel model = LanguageModels.load(dir)) {
            List<GenerationRequest> requests = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                requests.add(GenerationRequest.greedy("add " + (10 + i) + " 34 =", 6));
            }
            model.generate(requests);
            model.logLikelihood(List.of(ScoringRequest.of("rev abc =", " cba")));
        }
    }

    @Test
    void repeatedLoadUseCloseRoundsDoNotGrowResidentMemory() throws IOException {
        Path vlm = Zoo.model("vlm");
        for (int i = 0; i < 3; i++) {
            useOnce(vlm);
        }
        // A leak grows every block by at least a model's weights per round (the vlm holds ~3.4 MB as
        // float32, so 34 MB per block of 10); allocator arenas and heap resizing grow in one-off steps.
        // The smallest block's growth tells the two apart on a busy machine.
        long smallestGrowthKb = Long.MAX_VALUE;
        for (int block = 0; block < 3; block++) {
            System.gc();
            long before = nativeKb();
            for (int i = 0; i < 10; i++) {
                useOnce(vlm);
            }
            System.gc();
            long grown = nativeKb() - before;
            System.out.println("native resident growth over block " + block + " (10 rounds): " + grown + " kB");
            smallestGrowthKb = Math.min(smallestGrowthKb, grown);
        }
        assertThat(smallestGrowthKb).as("smallest resident growth outside the heap over 10 rounds (kB)")
                .isLessThan(20_000);
    }
}
