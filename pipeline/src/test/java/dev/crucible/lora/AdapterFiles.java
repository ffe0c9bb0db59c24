package dev.crucible.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.safetensors.SafetensorsWriter;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.TensorInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Writes PEFT-style adapter folders for tests: adapter_config.json and adapter_model.safetensors. */
final class AdapterFiles {

    /** One tensor to write, with its values as float32. */
    record Stored(DType dtype, long[] shape, float[] values) {
    }

    private AdapterFiles() {
    }

    static Path write(Path dir, Map<String, Object> config, Map<String, Stored> tensors) throws IOException {
        Files.createDirectories(dir);
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(dir.resolve("adapter_config.json").toFile(),
                config);
        List<TensorInfo> infos = new ArrayList<>();
        tensors.forEach((k, v) -> infos.add(new TensorInfo(k, v.dtype(), v.shape())));
        try (SafetensorsWriter w = SafetensorsWriter.create(dir, infos, Long.MAX_VALUE, Map.of())) {
            tensors.forEach((k, v) -> w.write(k, v.values()));
            w.finish();
        }
        Files.move(dir.resolve("model.safetensors"), dir.resolve("adapter_model.safetensors"));
        return dir;
    }

    /** Normal random values with standard deviation {@code sd}, rounded to what {@code dtype} holds. */
    static Stored random(Random random, DType dtype, double sd, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * sd);
            if (dtype == DType.BF16) {
                v[i] = dev.crucible.tensor.FloatCodec.bf16ToFloat(dev.crucible.tensor.FloatCodec.floatToBf16(v[i]));
            }
        }
        return new Stored(dtype, shape, v);
    }

    /** A PEFT adapter_config.json as a map, with the fields PEFT writes. */
    static Map<String, Object> config(int r, double alpha, boolean rslora, List<String> targets,
                                      List<String> modulesToSave) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("peft_type", "LORA");
        c.put("task_type", "CAUSAL_LM");
        c.put("r", r);
        c.put("lora_alpha", alpha);
        c.put("use_rslora", rslora);
        c.put("target_modules", targets);
        c.put("modules_to_save", modulesToSave);
        c.put("fan_in_fan_out", false);
        c.put("lora_dropout", 0.0);
        c.put("inference_mode", true);
        return c;
    }
}
