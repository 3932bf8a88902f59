// String escaping for responses, through AEJSON's writer.
import AEJSON

/// Appends `text` as an escaped JSON string.
func appendJSONString(_ text: String, to bytes: inout [UInt8]) {
    appendJSON(text, to: &bytes)
}
