/* The web UI's files (web/), bundled during the build by scripts/bundle.sh and linked into
 * the binary as read-only data. The server reads the bundle's index at start-up; no URL ever
 * reaches the filesystem. */
    .section .rodata
    .balign 64
    .global oomkb_web_bundle
oomkb_web_bundle:
    .incbin WEB_BUNDLE_PATH
    .global oomkb_web_bundle_end
oomkb_web_bundle_end:
    .byte 0
    .section .note.GNU-stack,"",@progbits
