package dev.crucible.error;

/**
 * A failure the user can act on: the message is one line that names the file or field
 * and says what to do. The CLI prints it without a stack trace and exits non-zero.
 */
public class CrucibleException extends RuntimeException {

    public CrucibleException(String message) {
        super(message);
    }

    public CrucibleException(String message, Throwable cause) {
        super(message, cause);
    }
}
