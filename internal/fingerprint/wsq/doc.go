// Package wsq reads and writes grey-scale fingerprint images in WSQ, the
// FBI's Wavelet Scalar Quantization format ("WSQ Gray-scale Fingerprint
// Image Compression Specification", IAFIS-IC-0110 v3), in pure Go.
//
// # File layout
//
// A WSQ file is a sequence of marker segments, all integers big-endian:
//
//	FFA0 SOI  start of image, no payload
//	FFA8 COM  comment; a comment starting "NIST_COM" is a NISTCOM block of
//	          "KEY VALUE" lines (PIX_WIDTH, PIX_HEIGHT, PPI, WSQ_BITRATE, ...)
//	FFA4 DTT  transform table: analysis low-pass and high-pass filter
//	          lengths, then the centre-outward half of each symmetric
//	          filter as (sign byte, decimal exponent byte, uint32 mantissa)
//	FFA5 DQT  quantisation table: bin centre C, then Q and Z for each of the
//	          64 subbands, each value an (exponent byte, uint16 mantissa)
//	FFA6 DHT  one or more Huffman tables: id (0-7), 16 code-length counts,
//	          the symbol values (JPEG canonical codes, lengths 1-16)
//	FFA2 SOF  frame header: black, white, height, width, M (shift) and R
//	          (scale) as (exponent, uint16), encoder number, software number
//	FFA3 SOB  block header naming a Huffman table, followed by the block's
//	          entropy-coded data (0xFF bytes stuffed as 0xFF00, the last byte
//	          padded with 1 bits); a file has three blocks (subbands 0-18,
//	          19-51, 52-59)
//	FFA1 EOI  end of image
//
// Tables may appear before the frame header or between blocks. The
// entropy-coded symbols are: 1-100 a run of that many zero coefficients;
// 101/102 a positive/negative coefficient in the next 8 bits; 103/104 the
// same in 16 bits; 105/106 a zero run in the next 8/16 bits; 107-254 the
// coefficient symbol-180 (-73..74).
//
// # Transform and quantisation
//
// The image is normalised to (pixel-M)/R and split by a separable two-channel
// filter bank (the 9/7 biorthogonal filters) into 64 subbands along the
// standard WSQ decomposition tree: 20 two-dimensional splits, each row split
// and then each column split producing a low-pass half of ceil(n/2) samples
// and a high-pass half of floor(n/2). A region that is the second half of
// its parent along an axis is split "spectrally inverted" along that axis:
// its high-pass half is stored first. Signals are extended by whole-sample
// symmetric reflection. Subbands 60-63 are never transmitted. Coefficients
// of subband k are quantised with bin width Q[k] and zero bin Z[k]; they are
// reconstructed as Q(p-C)+Z/2 for p>0 and Q(p+C)-Z/2 for p<0.
//
// The encoder chooses Q by the variance-based bit allocation of the
// specification (subband variances over the central window, weights A[k],
// iterated until every kept subband has a positive bit rate), Z = 1.2Q and
// C = 0.44, and builds one optimal length-limited Huffman table for block 1
// and one for blocks 2 and 3, never assigning the all-ones code.
//
// # Limits and strictness
//
// The decoder refuses, with an error wrapping [ErrFormat] that names the
// segment and byte offset, any file that is truncated, has an unknown or
// misplaced marker, a segment of the wrong length, a dimension of zero or
// beyond [MaxWidth]×[MaxHeight] or [MaxPixels], an inconsistent or missing
// Huffman, transform or quantisation table, an invalid Huffman symbol, or
// coefficient data that overflows the subbands or ends early. Restart
// intervals (DRT) and even-length filter banks are refused with
// [ErrUnsupported]. The decoder reads its input as a stream and never
// panics.
//
// The package does not register itself with image.RegisterFormat; a caller
// that wants image.Decode to know WSQ can call
//
//	image.RegisterFormat("wsq", wsq.Magic, wsq.Decode, wsq.DecodeConfig)
package wsq
