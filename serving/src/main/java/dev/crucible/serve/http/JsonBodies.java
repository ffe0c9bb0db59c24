package dev.crucible.serve.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.crucible.serve.openai.ApiException;
import java.io.IOException;

/**
 * Parses request bodies as JSON and turns every parse failure into a 400 whose message says what is
 * wrong in the client's terms: no parser class names, no "Source: REDACTED" locations, never a
 * NullPointerException (Jackson's constraint errors carry no location).
 */
public final class JsonBodies {

    /** Jackson's default {@code StreamReadConstraints}: deeper documents and longer numbers are refused. */
    static final int MAX_NESTING = 1000;
    static final int MAX_NUMBER_DIGITS = 1000;

    private JsonBodies() {}

    /** The parsed body; a 400 {@link ApiException} with code {@code invalid_json} if it is not JSON. */
    public static JsonNode parse(byte[] body) {
        JsonNode parsed;
        try {
            parsed = HttpResponses.MAPPER.readTree(body);
        } catch (StreamConstraintsException e) {
            throw invalid(constraintMessage(e));
        } catch (JsonProcessingException e) {
            throw invalid("We could not parse the JSON body of your request: " + reason(e) + where(e.getLocation())
                    + ". Send one JSON object.");
        } catch (IOException e) {
            throw invalid("We could not read the JSON body of your request. Send one JSON object.");
        }
        if (parsed == null || parsed.isMissingNode()) {
            throw invalid("We could not parse the JSON body of your request: the body is empty. Send one JSON object.");
        }
        return parsed;
    }

    private static String constraintMessage(StreamConstraintsException e) {
        String raw = String.valueOf(e.getOriginalMessage());
        if (raw.contains("depth")) {
            return "The JSON body nests objects or arrays more than " + MAX_NESTING + " levels deep.";
        }
        if (raw.contains("Number") || raw.contains("number")) {
            return "A number in the JSON body has more than " + MAX_NUMBER_DIGITS + " digits.";
        }
        return "The JSON body exceeds a parser limit (string, number or nesting size).";
    }

    /** The first clause of Jackson's message, without the parser's own location and source details. */
    private static String reason(JsonProcessingException e) {
        String raw = e.getOriginalMessage() == null ? "malformed JSON" : e.getOriginalMessage();
        int cut = raw.length();
        for (String marker : new String[] {"\n", " (start marker", " at [Source", "[Source"}) {
            int at = raw.indexOf(marker);
            if (at >= 0 && at < cut) {
                cut = at;
            }
        }
        String first = raw.substring(0, cut).replaceAll(" \\(code \\d+\\)", "").strip();
        if (first.startsWith("Unexpected end-of-input")) {
            return "the body ends before the JSON value is complete";
        }
        if (first.startsWith("No content to map") || first.isEmpty()) {
            return "the body is empty";
        }
        if (first.endsWith(":")) {
            first = first.substring(0, first.length() - 1);
        }
        return Character.toLowerCase(first.charAt(0)) + first.substring(1);
    }

    private static String where(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static ApiException invalid(String message) {
        return new ApiException(400, "invalid_request_error", message, null, "invalid_json");
    }
}
