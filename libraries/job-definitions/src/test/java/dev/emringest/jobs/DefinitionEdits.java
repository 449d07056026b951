package dev.emringest.jobs;

import dev.emringest.json.JsonDocuments;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

/** Definition documents changed one field at a time, for the parser's tests. */
final class DefinitionEdits {

    private DefinitionEdits() {}

    /** Sets (or, with no value, removes) the field at a JSON pointer, creating a missing parent object. */
    static String edit(String json, String pointer, String value) {
        JsonObject root = JsonDocuments.read(json).asJsonObject();
        String parent = pointer.substring(0, pointer.lastIndexOf('/'));
        var patch = JsonDocuments.JSON.createPatchBuilder();
        if (!parent.isEmpty() && !JsonDocuments.JSON.createPointer(parent).containsValue(root)) {
            patch.add(parent, JsonValue.EMPTY_JSON_OBJECT);
        }
        if (value == null) {
            patch.remove(pointer);
        } else {
            patch.add(pointer, JsonDocuments.read(value));
        }
        return patch.build().apply(root).toString();
    }
}
