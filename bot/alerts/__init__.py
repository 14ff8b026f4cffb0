"""Early warnings: CAP 1.2 alerts read and checked (cap), matched to the deployment's
kecamatan and kelurahan (areas), and kept with their decision (store)."""
