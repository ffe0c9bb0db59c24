package dev.crucible.checkpoint;

/** How many tensors and parameters one submodule holds. */
public record SubmoduleSize(int tensors, long parameters) {

    SubmoduleSize plus(long params) {
        return new SubmoduleSize(tensors + 1, parameters + params);
    }
}
