// Holds LatentInterpolation to golden paths from NumPy (make_interpolation_reference.py) and to
// the properties a path must have: exact ends, slerp's constant norm for codes of equal norm,
// and a linear path where the arc is undefined.
import AEModel
import AETestSupport
import Foundation
import Testing

private struct InterpolationReference: Decodable {
    var format_version: Int
    var cases: [Case]

    struct Case: Decodable {
        var name: String
        var from: [Double]
        var to: [Double]
        var steps: Int
        var linear: Path
        var spherical: Path
    }

    struct Path: Decodable {
        var points: [[Double]]
        var fallback: String?
    }

    static let supportedFormat = 1

    static func load() throws -> InterpolationReference {
        let url = try #require(Bundle.module.url(forResource: "interpolation_reference", withExtension: "json", subdirectory: "Fixtures"))
        let reference = try JSONDecoder().decode(InterpolationReference.self, from: Data(contentsOf: url))
        #expect(reference.format_version == supportedFormat,
                "interpolation_reference.json has format \(reference.format_version): re-run make_interpolation_reference.py")
        return reference
    }
}

@Suite("Latent interpolation")
struct LatentInterpolationTests {
    @Test("linear and spherical points agree with the NumPy reference, fallbacks included")
    func matchesReference() throws {
        let reference = try InterpolationReference.load()
        #expect(reference.cases.count >= 7)
        for item in reference.cases {
            let from = item.from.map(Float.init), to = item.to.map(Float.init)
            for (mode, expected) in [(LatentInterpolation.Mode.linear, item.linear), (.spherical, item.spherical)] {
                let path = LatentInterpolation(from: from, to: to, mode: mode)
                #expect(path.degeneracy?.rawValue == expected.fallback, "\(item.name) \(mode): fallback")
                let points = path.points(steps: item.steps)
                #expect(points.count == expected.points.count, "\(item.name) \(mode): point count")
                for (i, point) in points.enumerated() where i < expected.points.count {
                    expectClose(point.map(Double.init), expected.points[i], rtol: 1e-6, atol: 1e-6, "\(item.name) \(mode) point \(i)")
                }
            }
        }
    }

    @Test("both ends are exactly the given codes, in both modes")
    func exactEnds() {
        let a: [Float] = [0.1, -2.5, 3.25, 1e-3], b: [Float] = [-0.7, 0.3, 1.5, 2]
        for mode in LatentInterpolation.Mode.allCases {
            let points = LatentInterpolation(from: a, to: b, mode: mode).points(steps: 11)
            #expect(points.first == a, "\(mode)")
            #expect(points.last == b, "\(mode)")
        }
    }

    @Test("slerp between codes of equal norm keeps that norm; the line between them dips below it")
    func normBehaviour() {
        let a: [Float] = [3, 0, 0, 0], b: [Float] = [0, 0, 1.8, 2.4]  // both of norm 3
        let norm = { (v: [Float]) in v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }
        let spherical = LatentInterpolation(from: a, to: b, mode: .spherical).points(steps: 9)
        for point in spherical { #expect(abs(norm(point) - 3) < 1e-5) }
        let linear = LatentInterpolation(from: a, to: b, mode: .linear).points(steps: 9)
        #expect(norm(linear[4]) < 2.2)  // the midpoint of the chord: 3/√2 ≈ 2.12
        // The angle between consecutive slerp points is constant: the arc is walked evenly.
        let angles = zip(spherical, spherical.dropFirst()).map { p, q in
            acos(zip(p, q).reduce(0) { $0 + Double($1.0) * Double($1.1) } / (norm(p) * norm(q)))
        }
        for angle in angles { #expect(abs(angle - Double.pi / 2 / 8) < 1e-5) }
    }

    @Test("parameters run evenly from 0 to 1 with both ends exact", arguments: [2, 3, 8, 1024])
    func parameters(steps: Int) {
        let t = LatentInterpolation.parameters(steps: steps)
        #expect(t.count == steps)
        #expect(t.first == 0 && t.last == 1)
        for (i, value) in t.enumerated() { #expect(abs(value - Double(i) / Double(steps - 1)) < 1e-15) }
    }
}
