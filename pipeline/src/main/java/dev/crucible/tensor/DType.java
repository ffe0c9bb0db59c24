package dev.crucible.tensor;

import dev.crucible.error.CrucibleException;

/** The element types a safetensors file can hold, with their on-disk names and sizes. */
public enum DType {
    F64("F64", 8, true),
    F32("F32", 4, true),
    F16("F16", 2, true),
    BF16("BF16", 2, true),
    F8_E4M3("F8_E4M3", 1, true),
    F8_E5M2("F8_E5M2", 1, true),
    I64("I64", 8, false),
    I32("I32", 4, false),
    I16("I16", 2, false),
    I8("I8", 1, false),
    U8("U8", 1, false),
    BOOL("BOOL", 1, false);

    private final String safetensorsName;
    private final int byteSize;
    private final boolean floatingPoint;

    DType(String safetensorsName, int byteSize, boolean floatingPoint) {
        this.safetensorsName = safetensorsName;
        this.byteSize = byteSize;
        this.floatingPoint = floatingPoint;
    }

    /** The name used in safetensors headers, e.g. {@code "BF16"}. */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether merge math applies to this type (integers and bools are copied, not merged). */
    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /** Looks up a safetensors dtype name; {@code null} if unknown. */
    public static DType fromSafetensorsName(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        return null;
    }

    /**
     * Parses a dtype as users write it in recipes and on the command line:
     * {@code bfloat16}, {@code float16}, {@code float32}, or a safetensors name such as {@code BF16}.
     */
    public static DType parseUserName(String name, String field) {
        String n = name.trim().toLowerCase(java.util.Locale.ROOT);
        DType t = switch (n) {
            case "bfloat16", "bf16" -> BF16;
            case "float16", "fp16", "f16", "half" -> F16;
            case "float32", "fp32", "f32", "float" -> F32;
            case "float64", "fp64", "f64", "double" -> F64;
            default -> fromSafetensorsName(name.trim().toUpperCase(java.util.Locale.ROOT));
        };
        if (t == null || !t.floatingPoint) {
            throw new CrucibleException(field + ": unknown dtype '" + name
                    + "'; use one of bfloat16, float16, float32, float64");
        }
        return t;
    }
}
