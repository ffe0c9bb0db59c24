package dev.crucible.serve.template;

/** A template called {@code raise_exception(message)}: it refuses these messages (transformers raises a TemplateError). */
public final class TemplateRaisedException extends RuntimeException {

    public TemplateRaisedException(String message) {
        super(message, null, false, false);
    }
}
