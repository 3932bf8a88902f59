import Foundation
import Testing
import AEData

@Suite struct NPYReaderTests {
    /// An .npy file built byte by byte as numpy.lib.format writes it: magic, version, header
    /// length, the dict padded with spaces to a multiple of 64 and ended by "\n", then `data`.
    static func npy(descr: String, shape: String, fortran: Bool = false, data: [UInt8], major: UInt8 = 1) -> [UInt8] {
        let prefixLength = major == 1 ? 10 : 12
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
        let padding = (64 - (prefixLength + header.utf8.count + 1) % 64) % 64
        header += String(repeating: " ", count: padding) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
        if major == 1 { bytes.appendLittleEndian(UInt16(header.utf8.count)) } else { bytes.appendLittleEndian(UInt32(header.utf8.count)) }
        return bytes + Array(header.utf8) + data
    }

    static func littleEndian(_ values: [Float]) -> [UInt8] {
        var bytes: [UInt8] = []
        for value in values { bytes.appendLittleEndian(value.bitPattern) }
        return bytes
    }

    static func littleEndian(_ values: [Double]) -> [UInt8] {
        var bytes: [UInt8] = []
        for value in values { bytes.appendLittleEndian(value.bitPattern) }
        return bytes
    }

    @Test("float32 (2, 3) reads as two samples of three")
    func float32() throws {
        let values: [Float] = [0.5, -1, 2.25, 3, 1e-3, 7]
        let dataset = try NPYReader.read(Self.npy(descr: "<f4", shape: "(2, 3)", data: Self.littleEndian(values)), source: "a.npy")
        #expect(dataset.count == 2 && dataset.dimension == 3)
        #expect(dataset.values == values)
    }

    @Test("float64 (2, 2, 2) flattens the trailing axes and rounds to Float32")
    func float64() throws {
        let values: [Double] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 1e10]
        let dataset = try NPYReader.read(Self.npy(descr: "<f8", shape: "(2, 2, 2)", data: Self.littleEndian(values)), source: "a.npy")
        #expect(dataset.count == 2 && dataset.dimension == 4)
        #expect(dataset.values == values.map { Float($0) })
    }

    @Test("uint8 is scaled to [0, 1]; '|u1' and '<u1' both work")
    func uint8() throws {
        for descr in ["|u1", "<u1"] {
            let dataset = try NPYReader.read(Self.npy(descr: descr, shape: "(2, 2)", data: [0, 51, 255, 1]), source: "a.npy")
            #expect(dataset.values == [0, 0.2, 1, Float(1) / 255])
        }
    }

    @Test("a 1-D array is one sample")
    func oneDimensional() throws {
        let dataset = try NPYReader.read(Self.npy(descr: "<f4", shape: "(3,)", data: Self.littleEndian([Float](arrayLiteral: 1, 2, 3))), source: "a.npy")
        #expect(dataset.count == 1 && dataset.dimension == 3)
    }

    @Test("version 2.0 headers (4-byte length) and big-endian floats read too")
    func version2AndBigEndian() throws {
        var data: [UInt8] = []
        for value: Float in [1.5, -2] { data.append(contentsOf: withUnsafeBytes(of: value.bitPattern.bigEndian, Array.init)) }
        let dataset = try NPYReader.read(Self.npy(descr: ">f4", shape: "(1, 2)", data: data, major: 2), source: "a.npy")
        #expect(dataset.values == [1.5, -2])
    }

    @Test("limit keeps the first samples")
    func limit() throws {
        let bytes = Self.npy(descr: "|u1", shape: "(3, 1)", data: [0, 255, 0])
        #expect(try NPYReader.read(bytes, source: "a.npy", limit: 2).values == [0, 1])
    }

    @Test("a wrong magic is refused at byte 0")
    func wrongMagic() {
        var bytes = Self.npy(descr: "<f4", shape: "(1,)", data: [0, 0, 0, 0])
        bytes[1] = UInt8(ascii: "n")
        expectDataError(.malformed, containing: ["a.npy", "byte 0", "NPY magic"]) {
            _ = try NPYReader.read(bytes, source: "a.npy")
        }
    }

    @Test("Fortran order is refused with a hint to save C order")
    func fortranOrder() {
        let bytes = Self.npy(descr: "<f4", shape: "(1, 1)", fortran: true, data: [0, 0, 0, 0])
        expectDataError(.unsupported, containing: ["f.npy", "byte 10", "fortran_order: True", "C order"]) {
            _ = try NPYReader.read(bytes, source: "f.npy")
        }
    }

    @Test("an unsupported dtype is refused by name, listing the supported ones")
    func unsupportedDType() {
        let bytes = Self.npy(descr: "<c8", shape: "(1,)", data: [UInt8](repeating: 0, count: 8))
        expectDataError(.unsupported, containing: ["i.npy", "byte 10", "'<c8'", "<f4", "|u1", "<i8"]) {
            _ = try NPYReader.read(bytes, source: "i.npy")
        }
    }

    @Test("data shorter than the shape says is refused with expected and actual bytes")
    func truncatedData() {
        let bytes = Self.npy(descr: "<f4", shape: "(2, 3)", data: [UInt8](repeating: 0, count: 20))
        expectDataError(.truncated, containing: ["t.npy", "byte \(bytes.count)", "needs 24 data bytes", "found 20"]) {
            _ = try NPYReader.read(bytes, source: "t.npy")
        }
    }

    @Test("a header dict that is not the expected literal is refused at its byte")
    func badHeader() throws {
        var bytes = Self.npy(descr: "<f4", shape: "(1,)", data: [0, 0, 0, 0])
        let shapeKey = Array("'shape'".utf8)
        let at = try #require(bytes.indices.first { bytes[$0...].starts(with: shapeKey) })
        bytes[at + 9] = UInt8(ascii: "[")  // (1,) → [1,)
        expectDataError(.malformed, containing: ["h.npy", "byte \(at + 9)", "bad NPY header", "expected '('"]) {
            _ = try NPYReader.read(bytes, source: "h.npy")
        }
    }

    @Test("files written by NumPy read back to the values NumPy was given",
          .enabled(if: Python.executable != nil, "needs NumPy: run scripts/bootstrap.sh or set AESERVE_PYTHON"))
    func crossCheckWithNumPy() throws {
        try withTemporaryDirectory { folder in
            try Python.run("""
                import sys, numpy as np
                folder = sys.argv[1]
                a = (np.arange(24, dtype=np.float64).reshape(2, 3, 4) - 5) / 7
                np.save(folder + "/f8.npy", a)
                np.save(folder + "/f4.npy", a.astype(np.float32))
                np.save(folder + "/f4be.npy", a.astype(">f4"))
                np.save(folder + "/u1.npy", (np.arange(24) * 11 % 256).astype(np.uint8).reshape(4, 6))
                np.lib.format.write_array(open(folder + "/v2.npy", "wb"), a.astype(np.float32), version=(2, 0))
                np.save(folder + "/fortran.npy", np.asfortranarray(a.reshape(6, 4)))
                np.save(folder + "/c8.npy", np.arange(3).astype(np.complex64))
                """, arguments: [folder.path])
            let expected: [Float] = (0 ..< 24).map { (i: Int) -> Float in Float((Double(i) - 5) / 7) }
            for name in ["f8.npy", "f4.npy", "f4be.npy", "v2.npy"] {
                let dataset = try DatasetLoader.load(contentsOf: folder.appendingPathComponent(name))
                #expect(dataset.count == 2 && dataset.dimension == 12, "\(name)")
                #expect(dataset.values == expected, "\(name)")
            }
            let bytes = try DatasetLoader.load(contentsOf: folder.appendingPathComponent("u1.npy"))
            #expect(bytes.count == 4 && bytes.dimension == 6)
            let scaled: [Float] = (0 ..< 24).map { (i: Int) -> Float in Float(i * 11 % 256) / 255 }
            #expect(bytes.values == scaled)
            expectDataError(.unsupported, containing: ["fortran.npy", "fortran_order: True"]) {
                _ = try DatasetLoader.load(contentsOf: folder.appendingPathComponent("fortran.npy"))
            }
            expectDataError(.unsupported, containing: ["c8.npy", "'<c8'"]) {
                _ = try DatasetLoader.load(contentsOf: folder.appendingPathComponent("c8.npy"))
            }
        }
    }
}
