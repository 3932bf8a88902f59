// Paths between two latent codes: straight lines, and great-circle arcs (slerp), which keep
// the points at the norm typical of a Gaussian latent space instead of cutting through its
// low-density centre.
import Foundation

/// Points between two latent codes, linear or spherical.
///
/// ```swift
/// let path = LatentInterpolation(from: a, to: b, mode: .spherical)
/// let rows = path.points(steps: 8)   // rows[0] == a, rows[7] == b
/// ```
public struct LatentInterpolation: Sendable {
    /// How to move from one code to the other.
    public enum Mode: String, Sendable, CaseIterable {
        /// `(1 − t)·a + t·b`.
        case linear
        /// `sin((1 − t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b`, Ω the angle between a and b
        /// (reference: Shoemake 1985; T. White, "Sampling Generative Networks", 2016).
        case spherical
    }

    /// Why a spherical path was computed as a linear one.
    public enum Degeneracy: String, Sendable {
        /// One of the codes is the zero vector: it has no direction.
        case zeroNorm = "zero_norm"
        /// The codes point the same way: the arc is the segment (the limit of slerp as Ω → 0).
        case parallel
        /// The codes point opposite ways: every great circle through both is an arc of the
        /// same length, so none is the path.
        case antiparallel
    }

    /// The start code.
    public let from: [Float]
    /// The end code.
    public let to: [Float]
    /// The mode asked for.
    public let requested: Mode
    /// Set when `requested` is spherical but the arc is undefined or flat.
    public let degeneracy: Degeneracy?
    /// The angle between the codes in radians (0 when either is zero).
    public let angle: Double

    /// The mode the points follow: `requested`, or linear when the arc is degenerate.
    public var mode: Mode { degeneracy == nil ? requested : .linear }

    /// Below this sin Ω the arc is treated as degenerate: the weights sin(·)/sin Ω would
    /// divide by a number whose relative error exceeds Float's precision.
    static let minimumSine = 1e-6

    /// A path from `from` to `to`; callers check that the two have the same length.
    public init(from: [Float], to: [Float], mode: Mode) {
        precondition(from.count == to.count, "interpolation between codes of different lengths")
        self.from = from
        self.to = to
        requested = mode
        var dot = 0.0, normA = 0.0, normB = 0.0
        for i in from.indices {
            let a = Double(from[i]), b = Double(to[i])
            dot += a * b
            normA += a * a
            normB += b * b
        }
        normA = normA.squareRoot()
        normB = normB.squareRoot()
        guard normA > 0, normB > 0 else {
            angle = 0
            degeneracy = mode == .spherical ? .zeroNorm : nil
            return
        }
        // Rounding can put the cosine a hair outside [-1, 1], where acos is NaN.
        let cosine = min(1, max(-1, dot / (normA * normB)))
        angle = acos(cosine)
        guard mode == .spherical, sin(angle) < Self.minimumSine else {
            degeneracy = nil
            return
        }
        degeneracy = cosine > 0 ? .parallel : .antiparallel
    }

    /// The point at `t` in [0, 1]: exactly `from` at 0 and exactly `to` at 1.
    public func point(at t: Double) -> [Float] {
        let (wa, wb): (Double, Double)
        if mode == .spherical {
            let s = sin(angle)
            wa = sin((1 - t) * angle) / s
            wb = sin(t * angle) / s
        } else {
            wa = 1 - t
            wb = t
        }
        return from.indices.map { i in Float(wa * Double(from[i]) + wb * Double(to[i])) }
    }

    /// `steps` (≥ 2) evenly spaced points from `from` to `to`, both included.
    public func points(steps: Int) -> [[Float]] {
        let last = max(steps - 1, 1)
        return (0..<max(steps, 2)).map { point(at: $0 == last ? 1 : Double($0) / Double(last)) }
    }

    /// The parameters of `points(steps:)`: 0, 1/(steps−1), …, 1.
    public static func parameters(steps: Int) -> [Double] {
        let last = max(steps - 1, 1)
        return (0..<max(steps, 2)).map { $0 == last ? 1 : Double($0) / Double(last) }
    }
}
