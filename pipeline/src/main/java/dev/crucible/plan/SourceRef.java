package dev.crucible.plan;

/** One input tensor: the recipe's model string and the tensor's name inside that model. */
public record SourceRef(String model, String tensorName) {
}
