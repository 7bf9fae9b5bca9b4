import SwiftASN1

/// The subject and issuer of a DER certificate as `CN=..., O=..., C=...`, for `--verbose`:
/// who the server says it is and who vouched for it.
///
/// Only the two names are read (RFC 5280 section 4.1: the tbsCertificate's issuer, then after
/// the validity, its subject); a certificate whose structure is not that gives nil, never an error:
/// TLS already accepted it, this only describes it.
enum CertificateNames {
    /// `(subject, issuer)`, or nil when the bytes are not a certificate as RFC 5280 lays it out.
    static func subjectAndIssuer(der: [UInt8]) -> (subject: String, issuer: String)? {
        guard let certificate = try? DER.parse(der), case .constructed(let parts) = certificate.content,
            let tbs = parts.first(where: { _ in true }), case .constructed(let fields) = tbs.content
        else { return nil }
        var nodes = Array(fields)
        // An explicit [0] version comes first when present.
        if let first = nodes.first, first.identifier.tagClass == .contextSpecific { nodes.removeFirst() }
        // serialNumber, signature, issuer, validity, subject.
        guard nodes.count >= 5, let issuer = name(nodes[2]), let subject = name(nodes[4]) else { return nil }
        return (subject, issuer)
    }

    /// A Name (a sequence of sets of type-and-value pairs) as `CN=..., O=...`.
    private static func name(_ node: ASN1Node) -> String? {
        guard case .constructed(let relativeNames) = node.content else { return nil }
        var parts: [String] = []
        for relativeName in relativeNames {
            guard case .constructed(let attributes) = relativeName.content else { return nil }
            for attribute in attributes {
                guard case .constructed(let pair) = attribute.content else { return nil }
                let items = Array(pair)
                guard items.count == 2, let type = try? ASN1ObjectIdentifier(derEncoded: items[0]),
                    case .primitive(let value) = items[1].content
                else { return nil }
                parts.append("\(label(of: type))=\(String(decoding: value, as: UTF8.self))")
            }
        }
        return parts.joined(separator: ", ")
    }

    /// The short name of an attribute type, or its dotted number.
    private static func label(of type: ASN1ObjectIdentifier) -> String {
        switch type.description {
        case "2.5.4.3": "CN"
        case "2.5.4.6": "C"
        case "2.5.4.7": "L"
        case "2.5.4.8": "ST"
        case "2.5.4.10": "O"
        case "2.5.4.11": "OU"
        case "1.2.840.113549.1.9.1": "emailAddress"
        default: type.description
        }
    }
}
