// Package quickxor implements QuickXorHash, the content hash OneDrive reports
// in file.hashes.quickXorHash (base64 of 20 bytes).
//
// The algorithm keeps a 160-bit circular register. Byte i of the input is
// XORed into the register starting at bit (i*11) mod 160, wrapping from the
// high end to the low end. The final digest is the register written out
// little-endian (20 bytes) with the 64-bit little-endian input length XORed
// into bytes 12..19.
//
// How this implementation is fast: byte i and byte i+160 land on the same bit
// position, so Write only folds the input into a 160-byte accumulator
// (acc[i mod 160] ^= b), eight bytes at a time. The 11-bit spreading into the
// register happens once, in Sum, over the 160 accumulated bytes.
//
//	Write ──► fold into acc[160] (uint64 XORs) ──► Sum: spread acc into the
//	160-bit register, XOR the length in, emit 20 bytes
package quickxor

import (
	"encoding/binary"
	"hash"
)

const (
	// Size is the size of a QuickXorHash digest in bytes.
	Size = 20
	// BlockSize is the hash's preferred write size in bytes.
	BlockSize = 64

	widthBytes = 160 // input period: bytes i and i+160 land on the same bit
	widthWords = widthBytes / 8
	shift      = 11
)

// digest is the streaming state. acc[w] holds input bytes 8w..8w+7 of every
// 160-byte period, little-endian, XORed together.
type digest struct {
	acc    [widthWords]uint64
	length uint64
}

// New returns a hash.Hash computing QuickXorHash. Writes may come in chunks of
// any size; the result does not depend on how the input is split.
func New() hash.Hash { return &digest{} }

// Sum returns the QuickXorHash of data.
func Sum(data []byte) [Size]byte {
	var d digest
	d.Write(data)
	return d.checkSum()
}

// Size returns 20.
func (d *digest) Size() int { return Size }

// BlockSize returns 64.
func (d *digest) BlockSize() int { return BlockSize }

// Reset clears the state.
func (d *digest) Reset() { *d = digest{} }

// Write folds p into the accumulator. It never returns an error.
func (d *digest) Write(p []byte) (int, error) {
	n := len(p)
	off := int(d.length % widthBytes)
	d.length += uint64(n)
	// Head: single bytes until the position is word-aligned.
	for off%8 != 0 && len(p) > 0 {
		d.xorByte(off, p[0])
		p = p[1:]
		off = (off + 1) % widthBytes
	}
	// Words until the position is period-aligned.
	w := off / 8
	for w != 0 && len(p) >= 8 {
		d.acc[w] ^= binary.LittleEndian.Uint64(p)
		p = p[8:]
		w = (w + 1) % widthWords
	}
	// Whole periods.
	for len(p) >= widthBytes && w == 0 {
		d.foldPeriod(p[:widthBytes])
		p = p[widthBytes:]
	}
	// Tail words, then tail bytes.
	for len(p) >= 8 {
		d.acc[w] ^= binary.LittleEndian.Uint64(p)
		p = p[8:]
		w = (w + 1) % widthWords
	}
	for i, b := range p {
		d.xorByte(w*8+i, b)
	}
	return n, nil
}

// foldPeriod XORs one 160-byte period into the accumulator.
func (d *digest) foldPeriod(p []byte) {
	_ = p[widthBytes-1]
	a := &d.acc
	a[0] ^= binary.LittleEndian.Uint64(p[0:])
	a[1] ^= binary.LittleEndian.Uint64(p[8:])
	a[2] ^= binary.LittleEndian.Uint64(p[16:])
	a[3] ^= binary.LittleEndian.Uint64(p[24:])
	a[4] ^= binary.LittleEndian.Uint64(p[32:])
	a[5] ^= binary.LittleEndian.Uint64(p[40:])
	a[6] ^= binary.LittleEndian.Uint64(p[48:])
	a[7] ^= binary.LittleEndian.Uint64(p[56:])
	a[8] ^= binary.LittleEndian.Uint64(p[64:])
	a[9] ^= binary.LittleEndian.Uint64(p[72:])
	a[10] ^= binary.LittleEndian.Uint64(p[80:])
	a[11] ^= binary.LittleEndian.Uint64(p[88:])
	a[12] ^= binary.LittleEndian.Uint64(p[96:])
	a[13] ^= binary.LittleEndian.Uint64(p[104:])
	a[14] ^= binary.LittleEndian.Uint64(p[112:])
	a[15] ^= binary.LittleEndian.Uint64(p[120:])
	a[16] ^= binary.LittleEndian.Uint64(p[128:])
	a[17] ^= binary.LittleEndian.Uint64(p[136:])
	a[18] ^= binary.LittleEndian.Uint64(p[144:])
	a[19] ^= binary.LittleEndian.Uint64(p[152:])
}

// xorByte XORs b into accumulator byte position pos (0..159).
func (d *digest) xorByte(pos int, b byte) {
	d.acc[pos/8] ^= uint64(b) << (8 * (pos % 8))
}

// Sum appends the current digest to b. It does not change the state.
func (d *digest) Sum(b []byte) []byte {
	s := d.checkSum()
	return append(b, s[:]...)
}

// checkSum spreads the accumulator into the 160-bit register and XORs the
// length into the last 8 bytes.
func (d *digest) checkSum() [Size]byte {
	var reg [Size]byte
	for pos := range widthBytes {
		v := byte(d.acc[pos/8] >> (8 * (pos % 8)))
		if v == 0 {
			continue
		}
		bit := pos * shift % (Size * 8)
		i, s := bit/8, bit%8
		reg[i] ^= v << s
		if s != 0 {
			reg[(i+1)%Size] ^= v >> (8 - s)
		}
	}
	var l [8]byte
	binary.LittleEndian.PutUint64(l[:], d.length)
	for i := range l {
		reg[Size-8+i] ^= l[i]
	}
	return reg
}
