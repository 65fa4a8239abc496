/* The web UI's files (web/), bundled during the build by scripts/bundle.sh and linked into
 * the binary as read-only data. The server reads the bundle's index at start-up; no URL ever
 * reaches the filesystem. */
    .section .rodata
    .balign 64
    .global oomkb_web_bundle
oomkb_web_bundle:
    .incbin WEB_BUNDLE_PATH
oomkb_web_bundle_end:
    .byte 0
    /* The size, computed by the assembler: C never subtracts pointers to two objects. */
    .balign 8
    .global oomkb_web_bundle_size
oomkb_web_bundle_size:
    .quad oomkb_web_bundle_end - oomkb_web_bundle
    .section .note.GNU-stack,"",@progbits
