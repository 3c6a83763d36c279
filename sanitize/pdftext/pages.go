package pdftext

// walkPages visits the leaf pages of the page tree (ISO 32000-1 §7.7.3) in
// document order, depth first, without recursion. It trusts nothing the
// tree says about itself:
//
//   - /Count is ignored (a huge /Count costs nothing);
//   - every node is visited at most once, by object number, so a /Kids
//     array that points back up the tree, or at the same page twice, is
//     read as if the repeated entry were absent;
//   - a node deeper than maxDepth is a *LimitError;
//   - a node is an intermediate node when it has a /Kids array, whatever
//     its /Type says, since writers get /Type wrong.
//
// Inheritable attributes are passed down (§7.7.3.4); only /Resources
// matters for text. visit returns false to stop the walk.
func (d *document) walkPages(root object, maxDepth int, visit func(page dict, res dict) (bool, error)) error {
	type item struct {
		o     object
		depth int
		res   object
	}
	stack := []item{{o: root}}
	visited := map[uint32]bool{}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if r, ok := it.o.(ref); ok {
			if visited[r.num] {
				continue
			}
			visited[r.num] = true
		}
		node := d.dictOf(it.o)
		if node == nil {
			continue
		}
		res := it.res
		if r, ok := node["Resources"]; ok {
			res = r
		}
		if kids, ok := d.resolve(node["Kids"]).(array); ok && d.nameOf(node["Type"]) != "Page" {
			if it.depth >= maxDepth {
				return &LimitError{Limit: "Depth", Bound: int64(maxDepth)}
			}
			for i := len(kids) - 1; i >= 0; i-- {
				if r, ok := kids[i].(ref); ok && visited[r.num] {
					continue
				}
				stack = append(stack, item{o: kids[i], depth: it.depth + 1, res: res})
			}
			continue
		}
		if err := d.bud.check(); err != nil {
			return err
		}
		more, err := visit(node, d.dictOf(res))
		if err != nil || !more {
			return err
		}
	}
	return nil
}
