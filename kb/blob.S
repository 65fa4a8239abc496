/* The default knowledge base, compiled during the build (build/MODE/kb.sqlite), linked into
 * the binary as read-only data. kb/embedded.c opens it with sqlite3_deserialize. */
    .section .rodata
    .balign 64
    .global oomkb_kb_blob
oomkb_kb_blob:
    .incbin KB_BLOB_PATH
    .global oomkb_kb_blob_end
oomkb_kb_blob_end:
    .byte 0
    .section .note.GNU-stack,"",@progbits
