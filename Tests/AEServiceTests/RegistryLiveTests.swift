// The model registry seen through the API: versions, activation, discovery by polling, broken
// checkpoints refused with a logged reason, and atomic activation under load.
import AECheckpoint
import AEMath
import AEModel
import AETestSupport
import Foundation
import Testing

@Suite("Model registry (live)")
struct RegistryLiveTests {
    @Test("/models and /models/{name}: the highest version is served until another is activated; details carry sha256 and architecture")
    func versionsAndActivation() throws {
        let live = try LiveService(models: { root in
            for v in [1, 2] { try writeModel(root: root, name: "small", version: v, seed: UInt64(v)) }
            try writeModel(root: root, name: "other", version: 4, seed: 4)
        })
        defer { live.stop() }
        let models = try live.get("/models").json()
        #expect(models["models"]?.array?.compactMap { $0["name"]?.string } == ["other", "small"])
        #expect(models["default"]?.string == "small")
        var small = try live.get("/models/small").json()
        #expect(small["version"]?.int == 2 && small["activated"]?.bool == false)
        #expect(small["versions"] == .array([.number("1"), .number("2")]))
        #expect(small["input_dim"]?.int == 8 && small["latent_dim"]?.int == 3 && small["kind"]?.string == "autoencoder")
        #expect(small["architecture"]?["encoder"]?.array?.count == 2)
        let file = try Data(contentsOf: live.modelsRoot.appendingPathComponent("small/1/model.safetensors"))
        let details = try #require(small["version_details"]?.array)
        #expect(details.first?["sha256"]?.string == SHA256Digest.hex(of: Array(file)))
        #expect(details.first?["bytes"]?.int == file.count)

        let activated = try live.post("/models/small/activate", #"{"version": 1}"#)
        #expect(activated.status == 200, "\(activated.text)")
        small = try live.get("/models/small").json()
        #expect(small["version"]?.int == 1 && small["activated"]?.bool == true)
        #expect(try live.post("/encode", #"{"vector": [1, 2, 3, 4, 5, 6, 7, 8]}"#).json()["model"]?["version"]?.int == 1)
        expectError(try live.post("/models/small/activate", #"{"version": 9}"#), 404, "unknown_version", mentions: ["9", "1, 2"])
        expectError(try live.post("/models/ghost/activate", #"{"version": 1}"#), 404, "unknown_model", mentions: ["ghost"])
        expectError(try live.post("/models/small/activate", #"{"version": 0}"#), 422, mentions: ["version", "positive"])
        expectError(try live.post("/models/small/activate", "{}"), 422, "missing_field", mentions: ["version"])
    }

    @Test("a version copied into the models folder is found by polling and served without a restart")
    func discovery() throws {
        let live = try LiveService()
        defer { live.stop() }
        #expect(try live.get("/models/small").json()["version"]?.int == 1)
        // Write the version beside the root, then move it in: what an operator's copy looks like when done.
        let staging = live.folder.appendingPathComponent("staging")
        let model = try writeModel(root: staging, name: "small", version: 2, seed: 22)
        try FileManager.default.moveItem(at: staging.appendingPathComponent("small/2"),
                                         to: live.modelsRoot.appendingPathComponent("small/2"))
        #expect(waitUntil(timeout: 10) { (try? live.get("/models/small").json()["version"]?.int) == 2 })
        let input = smallVectors(count: 2)
        let response = try live.post("/encode", #"{"vectors": \#(jsonRows(input))}"#).json()
        #expect(response["model"]?["version"]?.int == 2)
        for (i, row) in try #require(response["latents"]?.numberTextRows).enumerated() {
            expectFloatTexts(row, equal: rows(model.encode(matrix(input)).latent)[i], "latents[\(i)]")
        }
    }

    @Test("a broken checkpoint dropped into the folder is refused with a logged reason, and the server keeps serving what it had",
          arguments: ["garbage", "truncated", "nan"])
    func brokenCheckpoint(kind: String) throws {
        let live = try LiveService()
        defer { live.stop() }
        let good = try ModelCheckpoint.load(contentsOf: live.modelsRoot.appendingPathComponent("small/1/model.safetensors"))
        let staging = live.folder.appendingPathComponent("broken.safetensors")
        switch kind {
        case "garbage":
            try Data("this is not a checkpoint".utf8).write(to: staging)
        case "truncated":
            let bytes = try Data(contentsOf: live.modelsRoot.appendingPathComponent("small/1/model.safetensors"))
            try bytes.prefix(bytes.count - 20).write(to: staging)
        default:
            // save refuses NaN, so write a good file and put a NaN into encoder.0.weight's bytes.
            try ModelCheckpoint.save(good.model, metadata: good.metadata, to: staging)
            var bytes = try Data(contentsOf: staging)
            let headerLength = Int(bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
            let header = try JSONValue.parse(Array(bytes[8..<(8 + headerLength)]))
            let start = try #require(header["encoder.0.weight"]?["data_offsets"]?[0]?.int)
            let offset = 8 + headerLength + start + 3 * 4
            withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { bytes.replaceSubrange(offset..<(offset + 4), with: $0) }
            try bytes.write(to: staging)
        }
        try FileManager.default.createDirectory(at: live.modelsRoot.appendingPathComponent("small/2"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: staging, to: live.modelsRoot.appendingPathComponent("small/2/model.safetensors"))

        #expect(waitUntil(timeout: 10) { live.logs.events.contains { $0.message.contains("checkpoint refused") } })
        let refusal = try #require(live.logs.events.first { $0.message.contains("checkpoint refused") })
        #expect(refusal.level == .error)
        #expect(refusal.metadata["model"] == "small" && refusal.metadata["version"] == "2")
        #expect(!(refusal.metadata["reason"] ?? "").isEmpty, "the log names a reason")
        if kind == "nan" { #expect(refusal.metadata["reason"]?.lowercased().contains("nan") == true, "\(refusal.metadata)") }

        let served = try live.get("/models/small").json()
        #expect(served["version"]?.int == 1 && served["versions"] == .array([.number("1")]))
        #expect(try live.get("/readyz").status == 200)
        #expect(try live.post("/encode", #"{"vector": [1, 2, 3, 4, 5, 6, 7, 8]}"#).status == 200)
        // Reported once, not at every poll.
        usleep(300_000)
        #expect(live.logs.events.filter { $0.message.contains("checkpoint refused") }.count == 1)
        #expect(try live.get("/metrics").text.contains("aeserve_checkpoints_refused_total 1"))
    }

    @Test("activation is atomic under load: 2,000 requests over 16 connections while versions switch, no errors, every answer from the version it names")
    func atomicActivation() throws {
        let live = try LiveService(models: { root in
            for v in 1...3 { try writeModel(root: root, name: "small", version: v, seed: UInt64(10 + v)) }
        })
        defer { live.stop() }
        let input = smallVectors(count: 4, seed: 5)
        var latents: [Int: [[UInt32]]] = [:]
        for v in 1...3 {
            let model = try InferenceEndpointTests.engine(live, "small", v)
            latents[v] = rows(model.encode(matrix(input)).latent).map { $0.map(\.bitPattern) }
        }
        let expected = latents
        let body = Array(#"{"vectors": \#(jsonRows(input))}"#.utf8)
        let failures = Failures()
        let seen = Failures()
        let done = Flag()

        // One thread flips the served version as fast as it can while the clients run.
        let switcher = Thread {
            var v = 1
            while !done.isSet {
                v = v % 3 + 1
                do {
                    let response = try HTTPClient.request(port: live.port, "POST", "/models/small/activate",
                                                          body: Array(#"{"version": \#(v)}"#.utf8))
                    if response.status != 200 { failures.add("activate \(v): \(response.status) \(response.text)") }
                } catch {
                    failures.add("activate \(v): \(error)")
                }
            }
        }
        switcher.start()
        DispatchQueue.concurrentPerform(iterations: 16) { client in
            do {
                let connection = try HTTPConnection(port: live.port)
                for _ in 0..<125 {
                    let response = try connection.request("POST", "/encode", body: body)
                    guard response.status == 200 else {
                        failures.add("\(response.status) \(response.text)")
                        continue
                    }
                    let json = try response.json()
                    guard let version = json["model"]?["version"]?.int, let want = expected[version],
                          let latents = json["latents"]?.numberTextRows else {
                        failures.add("no version or latents in \(response.text)")
                        continue
                    }
                    seen.add("\(version)")
                    let got = latents.map { $0.map { Float($0)?.bitPattern } }
                    if got != want { failures.add("answer does not match v\(version): \(response.text)") }
                }
            } catch {
                failures.add("client \(client): \(error)")
            }
        }
        done.set()
        while !switcher.isFinished { usleep(1000) }
        #expect(failures.items.isEmpty, "\(failures.items.count) failures, first: \(failures.items.prefix(3))")
        #expect(seen.items.count == 2000)
        #expect(Set(seen.items).count == 3, "every version was served at some point: \(Set(seen.items))")
    }
}

/// Strings appended from several threads.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func add(_ item: String) { lock.withLock { stored.append(item) } }
    var items: [String] { lock.withLock { stored } }
}

/// A flag set once from another thread.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
