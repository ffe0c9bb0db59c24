package dev.crucible.serve.template;

/** A template that Jinja cannot render: a syntax error, an unknown function or filter, a type error. */
public final class TemplateRenderException extends RuntimeException {

    public TemplateRenderException(String message) {
        super(message, null, false, false);
    }
}
