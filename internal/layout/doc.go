// Package layout has no code: its test keeps the package graph in the
// shape README's "Design" describes.
package layout
