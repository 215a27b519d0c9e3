package @PACKAGE@;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.pulsarwasm.WasmGuestException;
import io.github.pulsarwasm.WasmModuleInfo;
import io.github.pulsarwasm.pulsar.WasmRecordFunction;
import io.github.pulsarwasm.testing.FakeContext;
import java.util.List;
import org.apache.pulsar.functions.api.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * The function as Pulsar runs it (io.github.pulsarwasm.pulsar.WasmRecordFunction with the user
 * config of README.md), on a FakeContext that records what it did: no broker needed.
 */
class FunctionTest {
    private final FakeContext context = FakeContext.builder()
            .userConfig("wasm.resource", "function.wasm")
            .userConfig("wasm.grant.state", true) // counters
            .build();
    private final WasmRecordFunction function = new WasmRecordFunction();

    @AfterEach
    void close() throws Exception {
        function.close();
    }

    private String greet(String name) throws Exception {
        Record<byte[]> out = context.process(function, FakeContext.input(name));
        return new String(out.getValue(), UTF_8);
    }

    @Test
    void greetsByName() throws Exception {
        function.initialize(context);
        context.clearRecorded(); // the start-up log line
        assertEquals("Hello, Ada!", greet("Ada"));
        assertEquals(List.of(new FakeContext.LogLine(Level.INFO, "greeted Ada")), context.logs());
        assertEquals(1, context.counter("greeted"));
    }

    @Test
    void theGreetingComesFromTheUserConfig() throws Exception {
        FakeContext configured = FakeContext.builder()
                .userConfig("wasm.resource", "function.wasm")
                .userConfig("wasm.grant.state", true)
                .userConfig("greeting", "Hi")
                .build();
        function.initialize(configured);
        assertEquals("Hi, Grace!", new String(configured.process(function, FakeContext.input("Grace")).getValue(), UTF_8));
    }

    @Test
    void anEmptyNameIsTheFunctionsError() throws Exception {
        function.initialize(context);
        WasmGuestException e = assertThrows(WasmGuestException.class, () -> greet(""));
        assertTrue(e.getMessage().contains("empty name"), e.getMessage());
        assertEquals(0, context.counter("greeted"));
    }

    @Test
    void thePackageCarriesPrecompiledCode() throws Exception {
        function.initialize(context);
        String startup = context.logs().get(0).message();
        assertTrue(startup.contains("loaded from its precompiled artifact"), startup);
    }
}
