// TLS through OpenSSL on nonblocking sockets: a shared context made from the configured
// certificate and key, and one session per connection driven by the event loop.
import COpenSSL
import Glibc

/// An OpenSSL server context (certificate chain, key, protocol floor); shared by all connections.
final class TLSContext: @unchecked Sendable {
    // SSL_CTX is reference counted and safe to share once configured (OpenSSL threads(7)).
    let context: OpaquePointer

    init(_ configuration: TLSConfiguration) throws(SocketError) {
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw Self.error("SSL_CTX_new") }
        self.context = context
        // Macros in ssl.h: SSL_CTX_set_min_proto_version (123, TLS 1.2) and SSL_CTX_set_mode (33):
        // partial writes and a write buffer that may move between retries, buffers freed when idle.
        _ = SSL_CTX_ctrl(context, 123, 0x0303, nil)
        _ = SSL_CTX_ctrl(context, 33, 0x1 | 0x2 | 0x10, nil)
        guard SSL_CTX_use_certificate_chain_file(context, configuration.certificateChainPath) == 1 else {
            throw Self.error("certificate \(configuration.certificateChainPath)")
        }
        guard SSL_CTX_use_PrivateKey_file(context, configuration.privateKeyPath, SSL_FILETYPE_PEM) == 1 else {
            throw Self.error("private key \(configuration.privateKeyPath)")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw Self.error("private key \(configuration.privateKeyPath) does not match the certificate")
        }
    }

    deinit { SSL_CTX_free(context) }

    /// The last OpenSSL error as a SocketError that names what was being done.
    static func error(_ call: String) -> SocketError {
        let code = ERR_get_error()
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        ERR_clear_error()
        return SocketError(call: call, errno: EPROTO, message: buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }
}

/// One connection's TLS state; used only on its event loop's thread.
final class TLSSession {
    private let ssl: OpaquePointer
    private(set) var handshakeComplete = false

    init(context: TLSContext, fd: Int32) throws(SocketError) {
        guard let ssl = SSL_new(context.context) else { throw TLSContext.error("SSL_new") }
        self.ssl = ssl
        SSL_set_fd(ssl, fd)
    }

    deinit { SSL_free(ssl) }

    /// Advances the handshake: `.done(1)` when complete, `.wouldBlock` while waiting for the peer.
    func handshake() throws(SocketError) -> IOResult {
        ERR_clear_error()
        let result = SSL_accept(ssl)
        if result == 1 { handshakeComplete = true; return .done(1) }
        return try interpret(result, call: "SSL_accept")
    }

    /// Reads decrypted bytes; `.done(0)` at the peer's close.
    func read(into buffer: UnsafeMutableRawPointer, count: Int) throws(SocketError) -> IOResult {
        ERR_clear_error()
        let n = SSL_read(ssl, buffer, Int32(min(count, Int(Int32.max))))
        if n > 0 { return .done(Int(n)) }
        return try interpret(n, call: "SSL_read")
    }

    /// Encrypts and sends some of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws(SocketError) -> IOResult {
        ERR_clear_error()
        let n = SSL_write(ssl, bytes.baseAddress, Int32(min(bytes.count, 1 << 30)))
        if n > 0 { return .done(Int(n)) }
        return try interpret(n, call: "SSL_write")
    }

    /// Sends close_notify (best effort, no waiting for the peer's).
    func shutdown() {
        ERR_clear_error()
        if handshakeComplete { _ = SSL_shutdown(ssl) }
    }

    private func interpret(_ result: Int32, call: String) throws(SocketError) -> IOResult {
        let code = SSL_get_error(ssl, result)
        switch code {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .wouldBlock
        case SSL_ERROR_ZERO_RETURN:
            return .done(0)
        case SSL_ERROR_SYSCALL:
            let saved = errno
            if saved == 0 || saved == ECONNRESET { return .done(0) }
            throw SocketError(call: call, errno: saved)
        default:
            throw TLSContext.error(call)
        }
    }
}
