// SHA-256 through OpenSSL against published vectors and Python's hashlib.
import AECheckpoint
import Foundation
import Testing

@Suite struct SHA256DigestTests {
    @Test func emptyInputMatchesTheKnownVector() {
        #expect(SHA256Digest.hex(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func abcMatchesTheKnownVector() {
        #expect(SHA256Digest.hex(of: Array("abc".utf8))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func fileDigestStreamsAcrossChunksAndMatchesHashlib() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let url = scratch.url.appendingPathComponent("blob.bin")
        // Just over three 1 MiB chunks, so the last read is partial.
        let bytes = (0..<(3 << 20) + 123).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        try Data(bytes).write(to: url)

        let digest = try SHA256Digest.hex(ofFileAt: url)
        #expect(digest == SHA256Digest.hex(of: bytes))
        let script = "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())"
        let python = String(decoding: try runPython(["-c", script, url.path]), as: UTF8.self)
        #expect(digest == python.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func missingFileNamesThePath() {
        let message = thrownMessage { _ = try SHA256Digest.hex(ofFileAt: URL(fileURLWithPath: "/nonexistent/blob.bin")) }
        #expect(message.contains("/nonexistent/blob.bin") && message.contains("No such file"), "\(message)")
    }
}
