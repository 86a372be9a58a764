import Foundation

/// Whether a child process itself listens on a port, rather than whatever else took the port.
///
/// A port found free can be taken by another test's server before the child binds it; "the
/// port accepts connections" would then be true of the wrong server (a nats-server's `INFO`
/// greeting reads as an HTTP/0.9 answer to libcurl). On Linux the child's sockets are matched
/// against the listening sockets in `/proc/net/tcp`; elsewhere a connection is accepted as proof.
enum ListeningSocket {
    /// True when `pid` or one of its descendants (a launcher such as a pyenv shim may run the
    /// interpreter as a child) has a socket listening on `port`.
    static func isListening(pid: Int32, port: Int) -> Bool {
        guard let listening = listeningInodes(port: port) else { return NATSTestServer.acceptsConnections(port: port) }
        guard !listening.isEmpty else { return false }
        for process in ProcessTree.family(of: pid) {
            guard let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process)/fd") else { continue }
            for descriptor in descriptors {
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(process)/fd/\(descriptor)"),
                      target.hasPrefix("socket:["), target.hasSuffix("]")
                else { continue }
                if listening.contains(String(target.dropFirst(8).dropLast())) { return true }
            }
        }
        return false
    }

    /// Inodes of the sockets listening on `port` (IPv4 and IPv6); nil without `/proc`.
    private static func listeningInodes(port: Int) -> Set<String>? {
        var inodes = Set<String>()
        var found = false
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = ProcessTree.read(table) else { continue }
            found = true
            for line in text.split(separator: "\n").dropFirst() {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count > 9, fields[3] == "0A",
                      let colon = fields[1].lastIndex(of: ":"),
                      Int(fields[1][fields[1].index(after: colon)...], radix: 16) == port
                else { continue }
                inodes.insert(String(fields[9]))
            }
        }
        return found ? inodes : nil
    }
}
