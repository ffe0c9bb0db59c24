package dev.crucible.serve.model;

/** A promotion refused for a reason the caller can fix, carrying the HTTP status to report. */
final class PromotionException extends RuntimeException {

    private final int status;
    private final String code;

    PromotionException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }
}
