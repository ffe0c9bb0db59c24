package dev.crucible.safetensors;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process that stages an output folder and then waits to be stopped, for {@link OutputFolderProcessTest}: it
 * prints the staging folder's path once a file is in it, then sleeps.
 */
public final class HoldStaging {

    private HoldStaging() {
    }

    public static void main(String[] args) throws Exception {
        OutputFolder folder = OutputFolder.create(Path.of(args[0]), false);
        Files.writeString(folder.staging().resolve("model.safetensors"), "partial");
        System.out.println(folder.staging());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
