// The console's files, embedded in the binary by scripts/embed-console.sh (from the Assets
// folder beside this file), so the server needs nothing beside it and no network.

/// The web console's embedded files, by name (`index.html`, `app.js`, …).
enum ConsoleAssets {
    /// Every embedded file, prepared once on first use.
    static let all: [String: ConsoleAsset] = files.reduce(into: [:]) { table, file in
        table[file.key] = ConsoleAsset(contentType: ConsoleAsset.contentType(ofFile: file.key), bytes: Array(file.value.utf8))
    }
}
