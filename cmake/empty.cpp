// Placeholder translation unit for a library room that has no sources yet.
