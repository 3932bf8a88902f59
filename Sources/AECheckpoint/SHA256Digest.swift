// SHA-256 through OpenSSL's EVP interface, for checkpoint fingerprints (ETags, manifests).
import COpenSSL
import Foundation

/// Lower-case hexadecimal SHA-256 digests of bytes and files.
public enum SHA256Digest {
    /// The digest of `bytes`.
    public static func hex(of bytes: [UInt8]) -> String {
        let context = SHA256Hasher()
        bytes.withUnsafeBytes { context.update($0) }
        return context.finalHex()
    }

    /// The digest of the file at `url`, read in 1 MiB chunks so memory stays flat.
    public static func hex(ofFileAt url: URL) throws(CheckpointError) -> String {
        let context = SHA256Hasher()
        try FileSystem.forEachChunk(of: url, chunkSize: 1 << 20) { context.update($0) }
        return context.finalHex()
    }
}

/// An incremental SHA-256: feed bytes as they arrive (an upload), then read the digest once.
public final class SHA256Hasher {
    private let context: OpaquePointer

    /// A hasher that has seen no bytes.
    public init() {
        // These fail only when memory is exhausted or OpenSSL's default provider is missing,
        // neither of which a caller could handle.
        guard let context = EVP_MD_CTX_new() else { fatalError("OpenSSL: EVP_MD_CTX_new failed") }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            fatalError("OpenSSL: EVP_DigestInit_ex(SHA-256) failed")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds `bytes` to the digest.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        let status = EVP_DigestUpdate(context, base, bytes.count)
        precondition(status == 1, "OpenSSL: EVP_DigestUpdate failed")
    }

    /// The lower-case hexadecimal digest of everything added; call it once.
    public func finalHex() -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        var length: UInt32 = 0
        let status = EVP_DigestFinal_ex(context, &digest, &length)
        precondition(status == 1 && length == digest.count, "OpenSSL: EVP_DigestFinal_ex failed")
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: digest.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] },
                      as: UTF8.self)
    }
}
