package dev.crucible.serve.model;

import dev.crucible.runtime.Generation;

/** A finished generation and the model version that produced it. */
public record Served(Generation generation, ModelVersion version) {}
