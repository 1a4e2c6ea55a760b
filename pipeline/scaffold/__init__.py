"""Starting material for a new lab: questions/<lang>.yaml holds the ECoC-SME world-café questions of the
Timișoara Local Learning Lab (20.10.2020) in each partner language, read by `harvest new-lab`."""
