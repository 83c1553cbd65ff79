# libtool -version-info for libconsent, CURRENT:REVISION:AGE.  The one
# place it is set.  Rules, applied at each release:
#  - source changed, interface the same:        REVISION + 1
#  - interfaces added (compatible):  CURRENT + 1, REVISION = 0, AGE + 1
#  - interfaces removed or changed:  CURRENT + 1, REVISION = 0, AGE = 0
#    (the soname changes: log it in docs/ABI.md)
LIBCONSENT_VERSION_INFO = 1:0:1
