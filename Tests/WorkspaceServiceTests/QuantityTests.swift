import Testing
@testable import WorkspaceService

@Suite("Kubernetes quantities and names")
struct QuantityTests {
    @Test("quantities compare by value across suffixes")
    func values() throws {
        #expect(Quantity("1Gi") == Quantity("1024Mi"))
        #expect(Quantity("500m")!.milliValue == 500)
        #expect(Quantity("2")!.milliValue == 2000)
        #expect(Quantity("1.5G")!.milliValue == 1_500_000_000_000)
    }

    @Test("what the API server refuses is refused", arguments: ["", "1e3", "-1", "1.", ".5", "Gi", "1 Gi", "1gi", "1.2.3", "１"])
    func refused(_ text: String) {
        #expect(Quantity(text) == nil)
    }

    @Test("DNS-1123 labels")
    func labels() {
        #expect(KubernetesName.labelProblem("team-a1") == nil)
        #expect(KubernetesName.labelProblem("") != nil)
        #expect(KubernetesName.labelProblem("-a") != nil)
        #expect(KubernetesName.labelProblem("a-") != nil)
        #expect(KubernetesName.labelProblem("Team") != nil)
        #expect(KubernetesName.labelProblem("a_b") != nil)
        #expect(KubernetesName.labelProblem(String(repeating: "a", count: 64)) != nil)
        #expect(KubernetesName.subdomainProblem("pod-reader.v1") == nil)
        #expect(KubernetesName.subdomainProblem("a..b") != nil)
    }
}
