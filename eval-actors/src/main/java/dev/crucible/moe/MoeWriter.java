package dev.crucible.moe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crucible.checkpoint.ModelFolder;
import dev.crucible.error.CrucibleException;
import dev.crucible.safetensors.Checkpoint;
import dev.crucible.safetensors.SafetensorsWriter;
import dev.crucible.tensor.DType;
import dev.crucible.tensor.Tensor;
import dev.crucible.tensor.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes the Mixtral model folder into a (staging) folder, as mergekit's {@code MixtralMoE.write_model}
 * lays it out: every non-MLP tensor of the base, each expert's gate/up/down projections as
 * {@code experts.N.w1/w3/w2} (with {@code noise_scale} noise and {@code residual_scale} on w2), the routers,
 * then config.json, the tokenizer, generation config, a model card and the config as
 * {@code mergekit_moe_config.yml}. Tensors are read one at a time, so memory stays at a tensor or two.
 */
public final class MoeWriter {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String[] PROJECTIONS = {"gate_proj", "down_proj", "up_proj"};

    private MoeWriter() {
    }

    /** Tensor count and bytes written. */
    public record Written(int tensors, long bytes) {
    }

    /** Writes everything into {@code dir}. */
    public static Written write(MoeConfig config, MoeInputs inputs, double[][][] routers, Path dir, long maxShard,
                                boolean sync, long seed, String modelName, ProgressPrinter progress) {
        int experts = config.experts().size();
        DType out = inputs.outDtype();
        List<Checkpoint> sources = new ArrayList<>();
        try (Checkpoint base = Checkpoint.open(config.baseModel())) {
            for (MoeExpert e : config.experts()) {
                sources.add(Checkpoint.open(e.sourceModel()));
            }
            List<TensorInfo> plan = new ArrayList<>();
            List<String> fromBase = new ArrayList<>();
            for (TensorInfo t : base.infos()) {
                if (!t.name().contains(".mlp.")) {
                    plan.add(t.with(t.name(), out));
                    fromBase.add(t.name());
                }
            }
            int hidden = inputs.hidden();
            for (int l = 0; l < inputs.layers(); l++) {
                plan.add(new TensorInfo(MixtralNames.router(l), out, new long[] {experts, hidden}));
                for (int e = 0; e < experts; e++) {
                    for (String p : PROJECTIONS) {
                        TensorInfo src = base.info(MoeInputs.mlpName(l, p));
                        plan.add(new TensorInfo(MixtralNames.expert(l, e, MixtralNames.expertWeightOf(p)), out, src.shape()));
                    }
                }
            }
            long bytes;
            try (SafetensorsWriter writer = SafetensorsWriter.create(dir, plan, maxShard, Map.of(), sync)) {
                progress.line("writing: " + fromBase.size() + " tensors from the base");
                for (String name : fromBase) {
                    copy(base, name, out, writer, name);
                }
                for (int l = 0; l < inputs.layers(); l++) {
                    progress.line("writing: layer " + (l + 1) + "/" + inputs.layers() + " (router and " + experts
                            + " experts)");
                    writer.write(MixtralNames.router(l), toFloats(routers[l]));
                    for (int e = 0; e < experts; e++) {
                        MoeExpert expert = config.experts().get(e);
                        for (String p : PROJECTIONS) {
                            String target = MixtralNames.expert(l, e, MixtralNames.expertWeightOf(p));
                            boolean residual = p.equals("down_proj");
                            boolean changed = expert.noiseScale() != null
                                    || (residual && expert.residualScale() != null);
                            if (!changed) {
                                copy(sources.get(e), MoeInputs.mlpName(l, p), out, writer, target);
                                continue;
                            }
                            float[] v = sources.get(e).readFloats(MoeInputs.mlpName(l, p));
                            noiseAndScale(v, expert, residual, new Random(streamSeed(seed, l, e, p)));
                            writer.write(target, v);
                        }
                    }
                }
                writer.finish();
                bytes = writer.totalBytes();
            }
            writeSideFiles(config, inputs, dir, modelName);
            return new Written(plan.size(), bytes);
        } finally {
            sources.forEach(Checkpoint::close);
        }
    }

    // Same dtype: the stored bytes as they are; otherwise through float32.
    private static void copy(Checkpoint from, String name, DType out, SafetensorsWriter writer, String target) {
        if (from.info(name).dtype() == out) {
            Tensor t = from.tensor(name);
            writer.write(target, t.data());
        } else {
            writer.write(target, from.readFloats(name));
        }
    }

    // common.py noise_and_scale: noise first, then the residual scale on down_proj.
    private static void noiseAndScale(float[] v, MoeExpert expert, boolean residual, Random random) {
        if (expert.noiseScale() != null) {
            double s = expert.noiseScale();
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (v[i] + random.nextGaussian() * s);
            }
        }
        if (residual && expert.residualScale() != null) {
            float s = expert.residualScale().floatValue();
            for (int i = 0; i < v.length; i++) {
                v[i] *= s;
            }
        }
    }

    private static long streamSeed(long seed, int layer, int expert, String proj) {
        long h = seed * 0x9E3779B97F4A7C15L + layer;
        h = h * 31 + expert;
        return h * 31 + proj.hashCode();
    }

    private static float[] toFloats(double[][] rows) {
        int h = rows[0].length;
        float[] out = new float[rows.length * h];
        for (int e = 0; e < rows.length; e++) {
            for (int j = 0; j < h; j++) {
                out[e * h + j] = (float) rows[e][j];
            }
        }
        return out;
    }

    /**
     * mixtral.py {@code _generate_config}: the base config as MixtralConfig, sliding_window null, the expert
     * counts, transformers' Mixtral router defaults, and the output dtype.
     */
    public static ObjectNode mixtralConfig(MoeConfig config, MoeInputs inputs) {
        ObjectNode c = inputs.baseConfig().deepCopy();
        c.putArray("architectures").add("MixtralForCausalLM");
        c.put("model_type", "mixtral");
        c.put("num_local_experts", config.experts().size());
        c.put("num_experts_per_tok", config.expertsPerToken());
        c.putNull("sliding_window");
        c.put("output_router_logits", false);
        c.put("router_aux_loss_coef", 0.001);
        c.put("router_jitter_noise", 0.0);
        c.put("torch_dtype", torchName(inputs.outDtype()));
        c.remove("dtype");
        return c;
    }

    private static String torchName(DType t) {
        return switch (t) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            case F32 -> "float32";
            case F64 -> "float64";
            default -> t.safetensorsName().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static void writeSideFiles(MoeConfig config, MoeInputs inputs, Path dir, String modelName) {
        try {
            JSON.writeValue(dir.resolve("config.json").toFile(), mixtralConfig(config, inputs));
            for (String name : ModelFolder.TOKENIZER_FILES) {
                copyIfPresent(config.tokenizerSource().resolve(name), dir);
            }
            copyIfPresent(config.baseModel().resolve("generation_config.json"), dir);
            Files.writeString(dir.resolve("mergekit_moe_config.yml"), config.source());
            Files.writeString(dir.resolve("README.md"), MoeModelCard.text(config, modelName));
        } catch (IOException e) {
            throw new CrucibleException(dir + ": cannot write model files (" + e.getMessage() + ")", e);
        }
    }

    private static void copyIfPresent(Path file, Path dir) throws IOException {
        Path target = dir.resolve(file.getFileName().toString());
        if (Files.isRegularFile(file) && !Files.exists(target)) {
            Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }
}
