import AEData
import Foundation
import Testing

@Suite("DatasetWriter")
struct DatasetWriterTests {
    static let values: [Float] = [0, -0.5, 1e-30, 3.25, .leastNonzeroMagnitude, 0.1]

    @Test("NPY output reads back through NPYReader bit for bit, with a 64-byte-aligned header")
    func npyRoundTrip() throws {
        let bytes = DatasetWriter.npy(Self.values, rows: 2, columns: 3)
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        let dataset = try NPYReader.read(bytes, source: "out.npy")
        #expect(dataset.count == 2 && dataset.dimension == 3)
        #expect(dataset.values.map(\.bitPattern) == Self.values.map(\.bitPattern))
    }

    @Test("CSV output reads back through CSVReader exactly")
    func csvRoundTrip() throws {
        let bytes = DatasetWriter.csv(Self.values, rows: 3, columns: 2)
        let dataset = try CSVReader.read(bytes, source: "out.csv", hasHeader: false)
        #expect(dataset.values == Self.values)
        #expect(String(decoding: bytes, as: UTF8.self).split(separator: "\n").count == 3)
    }

    @Test("NumPy reads the NPY output")
    func numpyReads() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aeserve-writer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("out.npy")
        try DatasetWriter.write(Self.values, rows: 2, columns: 3, to: url)
        try Python.run("""
            import numpy as np, sys
            a = np.load(sys.argv[1])
            assert a.dtype == np.float32 and a.shape == (2, 3) and a[1, 0] == 3.25, (a.dtype, a.shape, a)
            """, arguments: [url.path])
    }
}
