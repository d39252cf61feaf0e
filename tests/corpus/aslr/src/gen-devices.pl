# SPDX-License-Identifier: MIT
# The device table, ordered by a hash of each entry's address: the kind of
# "stable" order a generator gets from hashing pointers.  An FNV-like hash
# (xor, then multiply: not linear, so moving the whole heap reorders it).
sub addr_hash {
	my $h = 0;
	$h = (($h ^ ord) * 4194301) % 2147483647 for split //, sprintf("%x", 0 + $_[0]);
	return $h;
}
my @dev = map { { name => $_ } } qw(uart0 uart1 spi0 spi1 i2c0 i2c1 gpio timer rtc wdt dma plic);
print map { "$_->{name}\n" } sort { addr_hash($a) <=> addr_hash($b) } @dev;
