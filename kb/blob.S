/* The default knowledge base, compiled during the build (build/MODE/kb.sqlite), linked into
 * the binary as read-only data. kb/embedded.c opens it with sqlite3_deserialize. */
    .section .rodata
    .balign 64
    .global oomkb_kb_blob
oomkb_kb_blob:
    .incbin KB_BLOB_PATH
oomkb_kb_blob_end:
    .byte 0
    /* The size, computed by the assembler: C never subtracts pointers to two objects. */
    .balign 8
    .global oomkb_kb_blob_size
oomkb_kb_blob_size:
    .quad oomkb_kb_blob_end - oomkb_kb_blob
    .section .note.GNU-stack,"",@progbits
