package dev.crucible.evolve.cmaes;

/** Why a CMA-ES run ended; the termination criteria follow Hansen's reference implementation. */
public enum StopReason {
    /** Still searching. */
    RUNNING,
    /** Best fitness of recent generations and the current generation's spread are below tolFun. */
    TOL_FUN,
    /** Step sizes in every coordinate are below tolX. */
    TOL_X,
    /** The step size grew by more than 1e4 relative to sigma0: sigma0 was far too small. */
    TOL_X_UP,
    /** A step of 0.1 sigma along a principal axis no longer changes the mean. */
    NO_EFFECT_AXIS,
    /** A step of 0.2 sigma in some coordinate no longer changes the mean. */
    NO_EFFECT_COORD,
    /** The covariance matrix became too ill-conditioned (condition number above 1e14). */
    CONDITION_COV,
    /** Best and median fitness stopped improving over the last 20% of the run. */
    STAGNATION,
    /** Restarts were configured and every one of them has ended. */
    MAX_RESTARTS
}
