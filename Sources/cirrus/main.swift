print("cirrus")
