// `npm run bench`: the benchmarks that print numbers (timing goals live here, not in tests).
import './bench-pdf.ts';
