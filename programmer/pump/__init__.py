"""The virtual implanted pump: memory, firmware rules, clock and the file it lives in. No Qt."""
