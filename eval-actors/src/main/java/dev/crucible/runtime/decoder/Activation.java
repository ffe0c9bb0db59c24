package dev.crucible.runtime.decoder;

import ai.djl.ndarray.NDArray;
import dev.crucible.error.CrucibleException;

/** The MLP activations transformers names in {@code hidden_act}, as NDArray ops. */
public enum Activation {
    SILU,
    GELU,
    GELU_TANH,
    QUICK_GELU,
    RELU;

    /** Maps a config's activation name; unknown names are a user error naming the field. */
    public static Activation parse(String name, String field) {
        return switch (name) {
            case "silu", "swish" -> SILU;
            case "gelu" -> GELU;
            case "gelu_pytorch_tanh", "gelu_new", "gelu_fast" -> GELU_TANH;
            case "quick_gelu" -> QUICK_GELU;
            case "relu" -> RELU;
            default -> throw new CrucibleException(field + ": unsupported activation '" + name
                    + "'; supported: silu, gelu, gelu_pytorch_tanh, quick_gelu, relu");
        };
    }

    /** Applies the activation elementwise. */
    public NDArray apply(NDArray x) {
        return switch (this) {
            case SILU -> x.mul(ai.djl.nn.Activation.sigmoid(x));
            case GELU -> ai.djl.nn.Activation.gelu(x);
            case GELU_TANH -> {
                // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as torch's approximate="tanh"
                NDArray inner = x.add(x.pow(3).mul(0.044715f)).mul((float) Math.sqrt(2.0 / Math.PI));
                yield x.mul(inner.tanh().add(1f)).mul(0.5f);
            }
            case QUICK_GELU -> x.mul(ai.djl.nn.Activation.sigmoid(x.mul(1.702f)));
            case RELU -> ai.djl.nn.Activation.relu(x);
        };
    }
}
