import CZlib
import Foundation
import ServiceKit

/// Undoes a request's `Content-Encoding` (RFC 9110 §8.4) for routes that take an opaque body:
/// none or `identity`, or `gzip` (`x-gzip`), inflated with zlib under a size bound so that a
/// small compressed body cannot become a huge one (a "zip bomb" is a 413, found as soon as the
/// output passes the bound, without inflating the rest).
enum ContentDecoding {
    static func decode(_ body: [UInt8], encoding: String?, maxBytes: Int) throws(ServiceError) -> [UInt8] {
        let codings = (encoding ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty && $0 != "identity" }
        switch codings {
        case []:
            return body
        case ["gzip"], ["x-gzip"]:
            return try gunzip(body, maxBytes: maxBytes)
        default:
            throw ServiceError(.invalidArgument, "Content-Encoding \(String(codings.joined(separator: ", ").prefix(64))) is not supported: send gzip or no encoding.")
        }
    }

    /// Inflates a gzip body (one member or several concatenated) into at most `maxBytes`.
    static func gunzip(_ input: [UInt8], maxBytes: Int) throws(ServiceError) -> [UInt8] {
        var stream = z_stream()
        guard hxb_inflate_init_gzip(&stream) == Z_OK else {
            throw ServiceError(.internalError, "Internal error.", cause: ZlibError(status: Z_MEM_ERROR))
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let outcome: Result<Void, ServiceError> = input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                guard output.count + produced <= maxBytes else {
                    return .failure(ServiceError(.payloadTooLarge, "The request body is too large once decompressed (at most \(maxBytes) bytes)."))
                }
                output += chunk[..<produced]
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END where stream.avail_in == 0:
                    return .success(())
                case Z_STREAM_END:
                    // Another gzip member follows (RFC 1952 §2.2 allows several).
                    guard inflateReset(&stream) == Z_OK else { return .failure(Self.invalid) }
                case Z_BUF_ERROR:
                    // No progress with room to write: the input ended inside the stream.
                    return .failure(ServiceError(.invalidArgument, "The gzip request body is truncated."))
                default:
                    return .failure(Self.invalid)
                }
            }
        }
        try outcome.get()
        return output
    }

    private static let invalid = ServiceError(.invalidArgument, "The request body is not valid gzip.")
}

/// A zlib status that is no answer to a request (logged, never sent).
struct ZlibError: Error, CustomStringConvertible {
    let status: Int32
    var description: String { "zlib status \(status)" }
}
