package dev.crucible.serve.model;

import java.util.Optional;

/** A snapshot of the model server: what serves now, how many replaced models await their last request. */
public record ServingState(Optional<ModelVersion> current, int retiring, int activeLeases, boolean promoting) {}
