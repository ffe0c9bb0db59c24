package dev.crucible.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crucible.error.CrucibleException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ObjectFieldsTest {

    private static final FieldErrors FILE = FieldErrors.inFile("app.yml");

    private static ObjectFields fields(String json) throws Exception {
        JsonNode node = new ObjectMapper().readTree(json);
        return ObjectFields.of(node, "serve", "a mapping {host, port}", FILE);
    }

    @Test
    void aMisspeltKeyIsRefusedWithTheClosestKnownKey() {
        assertThatThrownBy(() -> fields("{\"portt\": 1}").rejectUnknown(List.of("host", "port")))
                .isInstanceOf(CrucibleException.class)
                .hasMessage("app.yml: serve.portt: unknown key; did you mean 'port'? known keys of serve are host, port");
    }

    @Test
    void severalUnknownKeysAreListedSortedWithoutASuggestion() {
        assertThatThrownBy(() -> fields("{\"zz\": 1, \"aa\": 2}").rejectUnknown(Set.of("port", "host")))
                .hasMessage("app.yml: serve.aa, serve.zz: unknown keys; known keys of serve are host, port");
    }

    @Test
    void aNameFarFromEveryKnownOneGetsNoSuggestion() {
        assertThat(ClosestName.of("colour", List.of("host", "port"))).isNull();
        assertThat(ClosestName.of("Max-Tokens", List.of("max_tokens", "top_p"))).isEqualTo("max_tokens");
    }

    @Test
    void aMappingIsRequiredWhereOneIsExpected() throws Exception {
        JsonNode list = new ObjectMapper().readTree("[1]");
        assertThatThrownBy(() -> ObjectFields.of(list, "serve", "a mapping {host, port}", FILE))
                .hasMessage("app.yml: serve: expected a mapping {host, port}, got [1]");
    }

    @Test
    void wrongTypesNameTheFieldAndTheValue() {
        assertThatThrownBy(() -> fields("{\"port\": \"80\"}").wholeNumber("port"))
                .hasMessage("app.yml: serve.port: expected a whole number, got \"80\"");
        // beyond int range must not wrap around to a small number
        assertThatThrownBy(() -> fields("{\"port\": 4294967298}").wholeNumber("port"))
                .hasMessage("app.yml: serve.port: expected a whole number, got 4294967298");
        assertThatThrownBy(() -> fields("{\"tls\": 1}").bool("tls"))
                .hasMessage("app.yml: serve.tls: expected true or false, got 1");
        assertThatThrownBy(() -> fields("{\"host\": 1}").text("host"))
                .hasMessage("app.yml: serve.host: expected text, got 1");
    }

    @Test
    void rangesAreCheckedOnBothSides() throws Exception {
        assertThatThrownBy(() -> fields("{\"port\": 70000}").wholeNumber("port", 8080, 0, 65535))
                .hasMessage("app.yml: serve.port: must be in [0, 65535], got 70000");
        assertThatThrownBy(() -> fields("{\"port\": 0}").wholeNumber("port", 8080, 1, Integer.MAX_VALUE))
                .hasMessage("app.yml: serve.port: must be at least 1, got 0");
        assertThatThrownBy(() -> fields("{\"p\": 1.5}").number("p", 0.5, 0.0, 1.0))
                .hasMessage("app.yml: serve.p: must be in [0.0, 1.0], got 1.5");
        assertThat(fields("{}").wholeNumber("port", 8080, 0, 65535)).isEqualTo(8080);
        assertThat(fields("{\"port\": null}").wholeNumber("port", 8080, 0, 65535)).isEqualTo(8080);
    }

    @Test
    void aRequiredFieldSaysWhatToGive() {
        assertThatThrownBy(() -> fields("{\"host\": \"  \"}").requiredText("host", "give an address"))
                .hasMessage("app.yml: serve.host: missing; give an address");
    }

    @Test
    void errorsWithoutAnOriginNameTheFieldOnly() throws Exception {
        JsonNode node = new ObjectMapper().readTree("{\"xz\": 1}");
        assertThatThrownBy(() -> ObjectFields.of(node, "", "a mapping", FieldErrors.inFile("")).rejectUnknown(Set.of("y")))
                .hasMessage("xz: unknown key; known keys are y");
    }
}
