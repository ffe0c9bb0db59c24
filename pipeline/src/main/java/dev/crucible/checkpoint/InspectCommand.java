package dev.crucible.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.error.CrucibleException;
import dev.crucible.safetensors.ByteSize;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.tensor.TensorInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code crucible inspect MODEL_DIR}: what a model folder holds, as a summary and a tensor table or as JSON. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a model folder's architecture, dtypes, parameter count, layers, sub-modules, files and tensors.")
public final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "MODEL_DIR", description = "Hugging Face model folder (config.json + safetensors)")
    Path modelDir;

    @Option(names = "--json", description = "Print one JSON object instead of text")
    boolean json;

    @Override
    public Integer call() {
        try (ModelFolder model = ModelFolder.open(modelDir)) {
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(toJson(model));
            } else {
                printText(model, out);
            }
            out.flush();
        }
        return 0;
    }

    /** Formats a parameter count the way model cards do: {@code 1.2M}, {@code 6.7B}. */
    public static String humanCount(long n) {
        if (n < 1_000) {
            return Long.toString(n);
        }
        String[] suffix = {"K", "M", "B", "T"};
        double v = n;
        int i = -1;
        while (v >= 1000 && i < suffix.length - 1) {
            v /= 1000;
            i++;
        }
        if (v >= 999.5 && i < suffix.length - 1) {
            v /= 1000;
            i++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f%s" : "%.1f%s", v, suffix[i]);
    }

    private static Map<String, Integer> dtypeCounts(List<TensorInfo> infos) {
        Map<String, Integer> counts = new TreeMap<>();
        for (TensorInfo t : infos) {
            counts.merge(t.dtype().safetensorsName(), 1, Integer::sum);
        }
        return counts;
    }

    private static long fileSize(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new CrucibleException(p + ": cannot read file size (" + e.getMessage() + ")", e);
        }
    }

    static String toJson(ModelFolder model) {
        Checkpoint w = model.weights();
        ModelLayout layout = model.layout();
        List<TensorInfo> infos = w.infos();
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("path", model.dir().toString());
        root.put("architecture", model.architecture());
        root.put("model_type", model.modelType());
        ObjectNode dtypes = root.putObject("dtypes");
        dtypeCounts(infos).forEach(dtypes::put);
        root.put("parameters", layout.parameters());
        root.put("parameters_human", humanCount(layout.parameters()));
        root.put("layers", layout.layerCount());
        root.put("tied_embeddings", layout.tiedEmbeddings());
        root.put("vision_language", model.isVisionLanguage() || layout.hasVision());
        root.put("naming", layout.scheme().name());
        ObjectNode subs = root.putObject("submodules");
        layout.submodules().forEach((s, size) -> subs.putObject(s.label())
                .put("tensors", size.tensors()).put("parameters", size.parameters()));
        ArrayNode files = root.putArray("files");
        for (Path f : w.files()) {
            files.addObject().put("name", f.getFileName().toString()).put("bytes", fileSize(f));
        }
        root.put("tensor_bytes", w.totalBytes());
        ArrayNode tensors = root.putArray("tensors");
        for (TensorInfo t : infos) {
            ObjectNode o = tensors.addObject();
            o.put("name", t.name());
            o.put("dtype", t.dtype().safetensorsName());
            ArrayNode shape = o.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            o.put("bytes", t.byteSize());
        }
        try {
            return mapper.writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException("serialising a tree of strings and numbers cannot fail", e);
        }
    }

    private static void printText(ModelFolder model, PrintWriter out) {
        Checkpoint w = model.weights();
        ModelLayout layout = model.layout();
        List<TensorInfo> infos = w.infos();
        out.printf("model         %s%n", model.dir());
        out.printf("architecture  %s (model_type %s)%n", model.architecture(), model.modelType());
        StringBuilder dt = new StringBuilder();
        dtypeCounts(infos).forEach((k, v) -> dt.append(dt.isEmpty() ? "" : ", ").append(k).append(" x").append(v));
        out.printf("dtypes        %s%n", dt);
        out.printf("parameters    %s (%,d)%n", humanCount(layout.parameters()), layout.parameters());
        out.printf("layers        %d%n", layout.layerCount());
        out.printf("tied embed    %s%n", layout.tiedEmbeddings() ? "yes" : "no");
        out.printf("vision-lang   %s%n", model.isVisionLanguage() || layout.hasVision() ? "yes" : "no");
        out.printf("naming        %s%n", layout.scheme().name().toLowerCase(Locale.ROOT));
        out.println("sub-modules");
        layout.submodules().forEach((s, size) -> out.printf("  %-22s %5d tensors  %10s params%n",
                s.label(), size.tensors(), humanCount(size.parameters())));
        out.println("files");
        for (Path f : w.files()) {
            out.printf("  %-40s %12s%n", f.getFileName(), ByteSize.format(fileSize(f)));
        }
        out.printf("  %-40s %12s%n", "(tensor data)", ByteSize.format(w.totalBytes()));
        int width = infos.stream().mapToInt(t -> t.name().length()).max().orElse(4);
        out.println();
        out.printf("%-" + width + "s  %-7s  %-18s  %s%n", "tensor", "dtype", "shape", "bytes");
        for (TensorInfo t : infos) {
            out.printf("%-" + width + "s  %-7s  %-18s  %d%n", t.name(), t.dtype().safetensorsName(),
                    Arrays.toString(t.shape()), t.byteSize());
        }
    }
}
