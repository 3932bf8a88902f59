// POST /interpolate over a real socket: its ends are what /encode gives for the same vectors,
// its points decode to what /decode gives, latents are used as given, and every malformed body
// gets a 4xx naming the field.
import AECheckpoint
import AEMath
import AEModel
import AETestSupport
import Foundation
import Testing

@Suite("POST /interpolate (live)")
struct InterpolateEndpointTests {
    static func floats(_ value: JSONValue?) -> [[Float]] {
        (value?.numberTextRows ?? []).map { $0.compactMap { Float($0) } }
    }

    @Test("vector ends: the first and last latents equal /encode's, and the vectors equal /decode of the latents", arguments: ["linear", "spherical"])
    func vectorEnds(mode: String) throws {
        let live = try LiveService()
        defer { live.stop() }
        let input = smallVectors(count: 2, seed: 9)
        let body = #"{"from": \#(jsonRows([input[0]]).dropFirst().dropLast()), "to": \#(jsonRows([input[1]]).dropFirst().dropLast()), "steps": 6, "mode": "\#(mode)"}"#
        let answer = try live.post("/interpolate", body)
        #expect(answer.status == 200, "\(answer.text)")
        let json = try answer.json()
        let latents = Self.floats(json["latents"]), vectors = Self.floats(json["vectors"])
        #expect(latents.count == 6 && vectors.count == 6)
        #expect(json["mode"]?.string == mode)
        #expect(json["model"]?["name"]?.string == "small")
        #expect(json["t"]?.numberTexts?.compactMap { Float($0) } == [0, 0.2, 0.4, 0.6, 0.8, 1])
        for (i, vector) in [input[0], input[1]].enumerated() {
            let encoded = try live.post("/encode", #"{"vector": \#(jsonRows([vector]).dropFirst().dropLast())}"#)
            let latent = try #require(try encoded.json()["latent"]?.numberTexts).compactMap { Float($0) }
            #expect((i == 0 ? latents.first : latents.last) == latent, "end \(i) should be /encode's latent")
        }
        let decoded = try live.post("/decode", #"{"latents": \#(jsonRows(latents))}"#)
        #expect(Self.floats(try decoded.json()["vectors"]) == vectors)
    }

    @Test("latent ends are used as given; a spherical path between opposite codes falls back to the line and says so")
    func latentEnds() throws {
        let live = try LiveService()
        defer { live.stop() }
        let answer = try live.post("/interpolate", #"{"from_latent": [1, -2, 0.5], "to_latent": [-1, 2, -0.5], "steps": 3, "mode": "spherical"}"#)
        #expect(answer.status == 200, "\(answer.text)")
        let json = try answer.json()
        #expect(Self.floats(json["latents"]) == [[1, -2, 0.5], [0, 0, 0], [-1, 2, -0.5]])
        #expect(json["mode"]?.string == "linear")
        #expect(json["fallback"]?.string == "antiparallel")
        // A mixed pair: an input vector at one end, a latent at the other; steps defaults to 8.
        let mixed = try live.post("/interpolate", #"{"from": \#(jsonRows([smallVectors(count: 1)[0]]).dropFirst().dropLast()), "to_latent": [0, 0, 0]}"#)
        #expect(mixed.status == 200, "\(mixed.text)")
        #expect(Self.floats(try mixed.json()["latents"]).last == [0, 0, 0])
        #expect(Self.floats(try mixed.json()["vectors"]).count == 8)
    }

    @Test("a variational model interpolates between the means /encode returns")
    func variational() throws {
        let live = try LiveService(models: { try writeModel(root: $0, name: "small", version: 1, seed: 4, architecture: smallVariational) })
        defer { live.stop() }
        let input = smallVectors(count: 2, seed: 2)
        let answer = try live.post("/interpolate", #"{"from": \#(jsonRows([input[0]]).dropFirst().dropLast()), "to": \#(jsonRows([input[1]]).dropFirst().dropLast()), "steps": 2}"#)
        #expect(answer.status == 200, "\(answer.text)")
        let model = try ModelCheckpoint.load(contentsOf: live.modelsRoot.appendingPathComponent("small/1/model.safetensors")).model
        let latents = Self.floats(try answer.json()["latents"])
        #expect(latents.first == model.encode(matrix([input[0]])).latent.storage)
        #expect(latents.last == model.encode(matrix([input[1]])).latent.storage)
    }

    @Test("malformed bodies get 4xx errors naming the field and what was expected")
    func errors() throws {
        let live = try LiveService(configure: { $0.limits.batchVectors = 50 })
        defer { live.stop() }
        let eight = "[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]"
        let cases: [(String, Int, String, [String])] = [
            (#"{"to": \#(eight)}"#, 422, "missing_field", ["from", "from_latent"]),
            (#"{"from": \#(eight)}"#, 422, "missing_field", ["to", "to_latent"]),
            (#"{"from": \#(eight), "from_latent": [1, 2, 3], "to": \#(eight)}"#, 422, "conflicting_fields", ["from_latent"]),
            (#"{"from": [1, 2], "to": \#(eight)}"#, 422, "dimension_mismatch", ["from has 2 values", "expects 8"]),
            (#"{"from": \#(eight), "to_latent": [1, 2]}"#, 422, "dimension_mismatch", ["to_latent has 2 values", "expects 3", "latent"]),
            (#"{"from": \#(eight), "to": \#(eight), "steps": 1}"#, 422, "invalid_field", ["steps", "from 2 to 50", "got 1"]),
            (#"{"from": \#(eight), "to": \#(eight), "steps": 51}"#, 422, "invalid_field", ["limits.batch_vectors", "got 51"]),
            (#"{"from": \#(eight), "to": \#(eight), "steps": 2.5}"#, 422, "invalid_field", ["steps"]),
            (#"{"from": \#(eight), "to": \#(eight), "mode": "cubic"}"#, 422, "invalid_field", ["linear or spherical", "cubic"]),
            (#"{"from": \#(eight), "to": \#(eight), "speed": 1}"#, 422, "unknown_field", ["speed"]),
            (#"{"from": \#(eight), "to": \#(eight), "model": "nope"}"#, 404, "unknown_model", ["nope"]),
            (#"{"from": \#(eight), "to": [0, 0, 0, 0, 0, 0, 0, 1e39]}"#, 422, "non_finite", []),
            (#"{"from": \#(eight), "to": "#, 400, "malformed_request", []),
        ]
        for (body, status, code, mentions) in cases {
            expectError(try live.post("/interpolate", body), status, code, mentions: mentions)
        }
    }
}
